"""The configuration transitions of go_hot_binary's builds.

They set two of rules_go's public build settings: `//go/toolchain:sdk_name` (the hot SDK, see
sdk.bzl) and `//go/config:linkmode`. Targets outside a go_hot_binary are not affected.
"""

load(":names.bzl", "HOT_SDK_NAME")

_SDK_NAME = "@io_bazel_rules_go//go/toolchain:sdk_name"
_LINKMODE = "@io_bazel_rules_go//go/config:linkmode"

def _hot_transition_impl(_settings, _attr):
    return {_SDK_NAME: HOT_SDK_NAME}

# Built with the hot SDK: every package compiled from rewritten sources.
hot_transition = transition(
    implementation = _hot_transition_impl,
    inputs = [],
    outputs = [_SDK_NAME],
)

def _hot_plugin_transition_impl(_settings, _attr):
    return {_SDK_NAME: HOT_SDK_NAME, _LINKMODE: "plugin"}

# The same in plugin link mode: -dynlink archives (the hot SDK compiles them -linkshared too).
hot_plugin_transition = transition(
    implementation = _hot_plugin_transition_impl,
    inputs = [],
    outputs = [_SDK_NAME, _LINKMODE],
)
