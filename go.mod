module atelier

go 1.26.8
