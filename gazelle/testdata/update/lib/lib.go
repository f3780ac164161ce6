package lib

func Greeting() string { return "hello" }
