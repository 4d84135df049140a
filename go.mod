module github.com/potsgate/potsgate

go 1.26

require github.com/icholy/digest v1.2.0

require github.com/google/go-cmp v0.6.0 // indirect
