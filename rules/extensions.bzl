"""Bzlmod (Bazel 7+) module extension for rules_go_hot.

In MODULE.bazel, after rules_go's Go SDK:

    bazel_dep(name = "rules_go", version = "0.62.0", repo_name = "io_bazel_rules_go")
    bazel_dep(name = "rules_go_hot", version = "0.1.0")

    go_sdk = use_extension("@io_bazel_rules_go//go:extensions.bzl", "go_sdk")
    go_sdk.download(version = "1.26.8")

    go_hot = use_extension("@rules_go_hot//rules:extensions.bzl", "go_hot")
    go_hot.toolchain()  # optional: go_sdk_root = "@my_sdk//:ROOT"

rules_go_hot's own MODULE.bazel registers the hot toolchain; list rules_go's bazel_dep before
rules_go_hot's so that ordinary targets keep rules_go's SDK (the first registered one).
"""

load("@io_bazel_rules_go//go:deps.bzl", "go_wrap_sdk")
load("//rules/private:names.bzl", "HOT_SDK_NAME", "HOT_SDK_TOOLS_NAME", "hot_sdk_tool")
load("//rules/private:sdk.bzl", "go_hot_sdk_tools")

_toolchain = tag_class(attrs = {
    "go_sdk_root": attr.label(
        doc = "The ROOT file of the Go SDK repository to wrap (default: rules_go's default SDK).",
    ),
})

def _go_hot_impl(module_ctx):
    root = None
    for mod in module_ctx.modules:
        for tag in mod.tags.toolchain:
            if tag.go_sdk_root and (root == None or mod.is_root):
                root = tag.go_sdk_root
    if root == None:
        root = Label("@go_default_sdk//:ROOT")
    go_hot_sdk_tools(name = HOT_SDK_TOOLS_NAME, go_sdk_root = root)

    # register_toolchains() is not allowed in an extension: MODULE.bazel registers
    # @go_hot_sdk_toolchains//:all.
    go_wrap_sdk(name = HOT_SDK_NAME, root_file = hot_sdk_tool("goroot/ROOT"), register_toolchains = False)

go_hot = module_extension(
    implementation = _go_hot_impl,
    tag_classes = {"toolchain": _toolchain},
)
