"""Public API of rules_go_hot.

    load("@rules_go_hot//rules:defs.bzl", "go_hot_binary")

    go_binary(name = "app", embed = [":app_lib"])

    go_hot_binary(name = "app_hot", embed = [":app_lib"])   # bazel run //app:app_hot
"""

load("//rules/private:binary.bzl", _go_hot_binary = "go_hot_binary")

go_hot_binary = _go_hot_binary
