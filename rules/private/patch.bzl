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

For a base binary in production mode (go_hot_binary's trusted_key), `signing_key` names the private
key file that signs the patch: the build also writes `visits_patch.so.sig`. The key stays outside
the repository (an absolute path on the machine that builds; mode 0600). Bazel does not track the
file's content: the signing action runs locally, unsandboxed and uncached, on every build that
needs it, and a rotated key should get a new path.
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
    outputs = [so, manifest]
    if ctx.attr.signing_key:
        key = ctx.attr.signing_key
        if not key.startswith("/"):
            fail("go_hot_patch {}: signing_key must be an absolute path to a private key file outside the repository (hotreload keygen -o PREFIX writes PREFIX.key), got \"{}\"".format(ctx.label, key))
        sig = ctx.actions.declare_file(ctx.label.name + ".so.sig")
        ctx.actions.run(
            executable = ctx.executable._hotreload,
            arguments = ["sign", "--key", key, so.path],
            inputs = [so, manifest],
            outputs = [sig],
            mnemonic = "GoHotSign",
            # The key is read from a path Bazel knows nothing of: not in a sandbox (it would not
            # be there), not remotely, and never from a cache (a cached signature could be
            # another key's).
            execution_requirements = {"no-cache": "1", "no-remote": "1", "no-sandbox": "1"},
            progress_message = "Signing the patch {} with {}".format(ctx.label, key),
        )
        outputs.append(sig)
    return [DefaultInfo(files = depset(outputs))]

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
        "signing_key": attr.string(
            doc = "Absolute path of the private key file (hotreload keygen's PREFIX.key, mode 0600) " +
                  "that signs the patch, for a base binary in production mode (go_hot_binary's " +
                  "trusted_key): also writes <name>.so.sig. Read by a local, unsandboxed, uncached " +
                  "action; Bazel does not track the file's content. Keep it outside the repository.",
        ),
        "_hotreload": attr.label(
            default = hot_sdk_tool("hotreload"),
            allow_single_file = True,
            executable = True,
            cfg = "exec",
        ),
    },
    doc = "Builds a patch (.so + manifest, + signature with signing_key) of a go_hot_binary for a base kit; fails when it would not load.",
)
