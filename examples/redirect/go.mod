module example.com/redirect

go 1.26
