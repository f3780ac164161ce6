module github.com/gohot/rules_go_hot/bench/workloads

go 1.26.0
