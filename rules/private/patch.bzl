"""go_hot_patch: a patch for a go_hot_binary built at an earlier revision (the CI workflow).

    go_hot_patch(
        name = "visits_patch",
        binary = ":visits_hot",          # this revision's sources
        base_kit = "@visits_base//:kit", # the kit of the binary that runs (an earlier build's
                                         # `patch_kit` output group, archived by CI)
    )

`bazel build :visits_patch` writes `visits_patch.so` and its manifest `visits_patch.so.json`;
`hotreload apply visits_patch.so --pid N` applies it to the running base binary. The build
fails, saying what, where and why, when the patch could not load into the base: rude edits
(file:line, declaration, reason), another Go version or hotreload, a package that differs from the
base outside the functions a patch can carry (another version of a dependency, other compile
flags, an edited generated or external package).
"""

load(":binary.bzl", "GoHotBinaryInfo")
load(":names.bzl", "hot_sdk_tool")

def _go_hot_patch_impl(ctx):
    info = ctx.attr.binary[GoHotBinaryInfo]
    base = ctx.files.base_kit
    roots = [f for f in base if f.basename == "kit.json"]
    if len(roots) != 1:
        fail("go_hot_patch {}: base_kit must hold exactly one kit.json (the `patch_kit` output group of a go_hot_binary, or an archive of it); found {}".format(ctx.label, len(roots)))
    base_dir = roots[0].dirname
    if base_dir == "":
        base_dir = "."
    so = ctx.actions.declare_file(ctx.label.name + ".so")
    manifest = ctx.actions.declare_file(ctx.label.name + ".so.json")
    ctx.actions.run(
        executable = ctx.executable._hotreload,
        arguments = [
            "patch",
            "--kit",
            base_dir,
            "--bazel-kit",
            info.kit_exec.path,
            "-o",
            so.path,
        ],
        inputs = depset([info.kit_exec] + base, transitive = [info.inputs]),
        outputs = [so, manifest],
        mnemonic = "GoHotPatch",
        # PATH: the Go linker runs the C compiler (gcc) to link a plugin.
        use_default_shell_env = True,
        progress_message = "Building the patch {} for the base kit of {}".format(ctx.label, info.label),
    )
    return [DefaultInfo(files = depset([so, manifest]))]

go_hot_patch = rule(
    implementation = _go_hot_patch_impl,
    attrs = {
        "binary": attr.label(
            mandatory = True,
            providers = [GoHotBinaryInfo],
            doc = "The go_hot_binary at this revision: the sources the patch carries.",
        ),
        "base_kit": attr.label(
            mandatory = True,
            allow_files = True,
            doc = "The patch kit of the running binary: files holding one kit.json and what it names.",
        ),
        "_hotreload": attr.label(
            default = hot_sdk_tool("hotreload"),
            allow_single_file = True,
            executable = True,
            cfg = "exec",
        ),
    },
    doc = "Builds a patch (.so + manifest) of a go_hot_binary for a base kit; fails when it would not load.",
)
