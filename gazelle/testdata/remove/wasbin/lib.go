package wasbin

func F() {}
