module github.com/gohot/rules_go_hot/bench/prologue

go 1.26.0
