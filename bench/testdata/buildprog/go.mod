module example.com/buildprog

go 1.26.0
