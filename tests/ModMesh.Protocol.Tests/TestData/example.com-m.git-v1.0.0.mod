module example.com/m.git

go 1.19
