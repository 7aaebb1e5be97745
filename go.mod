module github.com/tcsim/tcsim

go 1.26

require (
	github.com/spf13/pflag v1.1.0 // indirect
	gonum.org/v1/gonum v0.17.0 // indirect
)
