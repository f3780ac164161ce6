"""Public API of rules_go_hot.

    load("@rules_go_hot//rules:defs.bzl", "go_hot_binary", "go_hot_patch")

    go_binary(name = "app", embed = [":app_lib"])

    go_hot_binary(name = "app_hot", embed = [":app_lib"])   # bazel run //app:app_hot

    go_hot_patch(name = "app_patch", binary = ":app_hot", base_kit = "@app_base_kit//:kit")
"""

load("//rules/private:binary.bzl", _GoHotBinaryInfo = "GoHotBinaryInfo", _go_hot_binary = "go_hot_binary")
load("//rules/private:patch.bzl", _go_hot_patch = "go_hot_patch")

go_hot_binary = _go_hot_binary
go_hot_patch = _go_hot_patch
GoHotBinaryInfo = _GoHotBinaryInfo
