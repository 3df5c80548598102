module threadleak

go 1.19
