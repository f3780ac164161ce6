"""Names and versions that several of rules_go_hot's files must spell alike, each defined once.

MODULE.bazel cannot load a .bzl file: its use_repo() and register_toolchains() lines spell the
repository names below (and go_wrap_sdk's `<HOT_SDK_NAME>_toolchains`) again.
"""

# The hot Go SDK: the repository go_wrap_sdk declares, whose name is also the SDK name (rules_go's
# //go/toolchain:sdk_name) that go_hot_binary's transitions select.
HOT_SDK_NAME = "go_hot_sdk"

# The repository the go_hot_sdk_tools repository rule declares: hotreload, sdk.json and the GOROOT
# mirror of the hot SDK.
HOT_SDK_TOOLS_NAME = "go_hot_sdk_tools"

# The version of the kit description go_hot_binary writes (kit.json, kit.exec.json). Its owner is
# the Go constant bazelkit.Format (hotreload/internal/bazelkit), which hotreload checks when it
# reads a description: change that one first. bazelkit's TestStarlarkAgrees fails when this one
# differs from it.
KIT_FORMAT = 3

def hot_sdk_tool(name):
    """The label string of a file of the go_hot_sdk_tools repository.

    Args:
      name: the file, e.g. "hotreload" or "sdk.json".

    Returns:
      "@go_hot_sdk_tools//:<name>"
    """
    return "@{}//:{}".format(HOT_SDK_TOOLS_NAME, name)
