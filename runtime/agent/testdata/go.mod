module example.com/agenthost

go 1.26.0

require github.com/gohot/rules_go_hot v0.0.0

replace github.com/gohot/rules_go_hot => ../../..
