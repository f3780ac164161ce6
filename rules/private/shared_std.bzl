"""go_hot_shared_std: the hot standard library as one shared library, and the private linker.

A go_hot_binary's program is linked -linkshared against the instrumented standard library as one
shared library (libstd.so), and each of its patches against that library by the private linker
(hotreload/internal/hotlink): a patch carries only its own code (docs/PATCH-LINKING.md). Both are
the same for every go_hot_binary of a configuration: one target (//rules/private:shared_std)
links the library from rules_go's -dynlink standard library archives, the very ones the
programs' packages are compiled against (the linker checks their fingerprints), and builds the
linker from the SDK's own sources.
"""

# GoStdLib is documented (go/providers.rst) but go/def.bzl does not re-export it.
# buildifier: disable=bzl-visibility
load("@io_bazel_rules_go//go/private:providers.bzl", "GoStdLib")
load(":names.bzl", "hot_sdk_tool")
load(":transitions.bzl", "hot_plugin_transition")

GoHotSharedStdInfo = provider(
    doc = "The hot standard library as a shared library, and the private linker of its SDK.",
    fields = {
        "shlib": "File: libstd.so",
        "linker": "File: the private linker patches are linked with",
    },
)

def _go_hot_shared_std_impl(ctx):
    std = ctx.attr._stdlib[0][GoStdLib]
    std_libs = std.libs if type(std.libs) == "depset" else depset(std.libs)
    shlib = ctx.actions.declare_file(ctx.label.name + "/libstd.so")
    ctx.actions.run(
        executable = ctx.executable._hotreload,
        arguments = ["link", "--sdk", ctx.file._sdk_json.path, "--std", std.root_file.path, "-o", shlib.path],
        inputs = depset([ctx.file._sdk_json, std.root_file], transitive = [std_libs]),
        outputs = [shlib],
        mnemonic = "GoHotLinkStd",
        use_default_shell_env = True,
        progress_message = "Linking the hot standard library as a shared library",
    )
    linker = ctx.actions.declare_file(ctx.label.name + "/link")
    ctx.actions.run(
        executable = ctx.executable._hotreload,
        arguments = ["link", "--sdk", ctx.file._sdk_json.path, "--linker", "-o", linker.path],
        inputs = [ctx.file._sdk_json],
        outputs = [linker],
        mnemonic = "GoHotLinker",
        use_default_shell_env = True,
        progress_message = "Building the private linker of the hot SDK (patches link against libstd.so with it)",
    )
    return [
        DefaultInfo(files = depset([shlib, linker])),
        GoHotSharedStdInfo(shlib = shlib, linker = linker),
    ]

def hot_sdk_attrs(hotreload_cfg):
    """The private attributes of a rule that reads the hot SDK.

    Its -dynlink standard library, hotreload (built for hotreload_cfg: "exec" to run in actions,
    "target" to ship in runfiles) and sdk.json.

    Args:
      hotreload_cfg: the configuration of the `_hotreload` attribute.

    Returns:
      a dict of attributes.
    """
    return {
        "_stdlib": attr.label(
            default = "@io_bazel_rules_go//:stdlib",
            cfg = hot_plugin_transition,
            providers = [GoStdLib],
        ),
        "_hotreload": attr.label(
            default = hot_sdk_tool("hotreload"),
            allow_single_file = True,
            executable = True,
            cfg = hotreload_cfg,
        ),
        "_sdk_json": attr.label(default = hot_sdk_tool("sdk.json"), allow_single_file = True),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    }

go_hot_shared_std = rule(
    implementation = _go_hot_shared_std_impl,
    attrs = hot_sdk_attrs("exec"),
    doc = "Links the hot standard library as libstd.so and builds the private linker.",
)
