module example.com/fidelityapp

go 1.22
