"""WORKSPACE setup for rules_go_hot.

    load("@rules_go_hot//rules:repositories.bzl", "go_hot_register_toolchains")

    # After your Go SDK (go_register_toolchains / go_host_sdk / go_download_sdk):
    go_hot_register_toolchains()

Bzlmod users use the `go_hot` module extension instead (rules/extensions.bzl).
"""

load("@io_bazel_rules_go//go:deps.bzl", "go_wrap_sdk")
load("//rules/private:names.bzl", "HOT_SDK_NAME", "HOT_SDK_TOOLS_NAME", "hot_sdk_tool")
load("//rules/private:sdk.bzl", "go_hot_sdk_tools")

def go_hot_register_toolchains(go_sdk_root = "@go_sdk//:ROOT"):
    """Declares and registers the hot Go SDK, a wrapped copy of an existing Go SDK.

    Call it after the Go SDK it wraps is declared and registered: rules_go picks the first
    registered toolchain for ordinary targets, and only targets that go_hot_binary transitions
    select this one (by its SDK name, `go_hot_sdk`).

    Args:
      go_sdk_root: the ROOT file of the Go SDK repository to wrap.
    """
    go_hot_sdk_tools(name = HOT_SDK_TOOLS_NAME, go_sdk_root = go_sdk_root)
    go_wrap_sdk(name = HOT_SDK_NAME, root_file = hot_sdk_tool("goroot/ROOT"))
