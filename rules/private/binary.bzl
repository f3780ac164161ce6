"""go_hot_binary: a go_binary built with the hot SDK, run under the hotreload launcher.

The macro declares the user's go_binary twice (hidden, with the reload agent added to its main
package) and a `_go_hot_binary` rule that builds them through configuration transitions
(transitions.bzl):
  * `kit`: the program declared with `linkmode = "plugin"` and built with the hot SDK (every
    package, the standard library included, compiled from rewritten sources, -dynlink and
    -linkshared): its archives are what the program is linked from and what every patch links
    against (the kit; the go_binary itself is never linked);
  * `binary`: the same program as an ordinary executable, for a -race build only (whose patches
    are plugins carrying their dependencies, as under the go command).
Otherwise the rule links the program itself (`hotreload link`): -linkshared against the hot
standard library as one shared library (//rules/private:shared_std), so that a patch carries only
its own code (docs/PATCH-LINKING.md). rules_go's link action cannot: it writes no packageshlib
lines.

The rule's executable is a launcher script (launcher.sh.tpl): `hotreload run --bazel-kit
<kit.json>` starts the program, watches the workspace sources of its packages, and applies patches
built against the kit (the fast path: no Bazel round trip).
"""

load("@io_bazel_rules_go//go:def.bzl", "GoArchive", "go_binary")

# GoStdLib is documented (go/providers.rst) but go/def.bzl does not re-export it; its fields used
# here (root_file, libs) are the documented ones. @io_bazel_rules_go//:stdlib is a public target.
# buildifier: disable=bzl-visibility
load("@io_bazel_rules_go//go/private:providers.bzl", "GoStdLib")
load(":names.bzl", "KIT_FORMAT", "hot_sdk_tool")
load(":shared_std.bzl", "GoHotSharedStdInfo", "hot_sdk_attrs")
load(":transitions.bzl", "hot_transition")

# The source go_hot_binary adds to the user's package main: it links the reload agent in. The kit
# description marks it ("injected"): it is no source of the user's.
_AGENT_IMPORT = Label("//rules/private:_inject/zz_gohot_agent.go")

# The agent's variable holding the public key a binary in signed mode trusts (go_hot_binary's
# trusted_key), set with the linker's -X through x_defs.
AGENT_TRUSTED_KEY_VAR = "github.com/gohot/rules_go_hot/runtime/agent.trustedKey"
_PUBLIC_KEY_WORD = "gohot-ed25519-public"

def _main_repo(label):
    return label.workspace_name == ""

def _short_path(f):
    return f.short_path

def _exec_path(f):
    return f.path

def _rlocation_path(ctx, f):
    """f's path for the runfiles library's rlocation: <repository>/<path in the repository>.

    File.short_path spells another repository's file ../<repository>/<path> (under bzlmod the
    canonical repository name, as the runfiles tree does); this repository's is under
    ctx.workspace_name ("_main" under bzlmod).
    """
    if f.short_path.startswith("../"):
        return f.short_path[len("../"):]
    return ctx.workspace_name + "/" + f.short_path

GoHotBinaryInfo = provider(
    doc = "A go_hot_binary's patch kit, as build actions see it (go_hot_patch).",
    fields = {
        "kit_exec": "File: the kit description, with execution-root paths",
        "inputs": "depset of File: everything the description names (archives, stdlib, sources, binary)",
        "label": "the go_hot_binary's label",
    },
)

def _describe(ctx, path, exe, main, packages, std, snapshot_of, shared):
    """The kit description (see hotreload/internal/bazelkit), paths spelled by `path`."""
    pkgs = []
    for d in packages:
        srcs = []
        for f in d.srcs:
            entry = {"path": path(f), "source": f.is_source}
            if f in snapshot_of:
                entry["snapshot"] = path(snapshot_of[f])
            if f.owner == _AGENT_IMPORT:
                entry["injected"] = True
            srcs.append(entry)
        pkgs.append({
            "importpath": d.importpath,
            "importmap": d.importmap,
            "label": str(d.label),
            "archive": path(d.file),
            "export": path(d.export_file) if getattr(d, "export_file", None) else "",
            "srcs": srcs,
            "main_repo": _main_repo(d.label),
            "main": d.importmap == main.importmap,
        })
    return json.encode({
        "format": KIT_FORMAT,
        "label": str(ctx.label),
        "workspace": ctx.workspace_name,
        "binary": path(exe),
        "main_importpath": main.importpath,
        "stdlib": path(std.root_file),
        "sdk": path(ctx.file._sdk_json),
        "shlib": path(shared.shlib) if shared else "",
        "linker": path(shared.linker) if shared else "",
        "packages": pkgs,
    }) + "\n"

def _race(archive):
    """Whether the kit was built with the race detector (rules_go's mode, where it says)."""
    mode = getattr(getattr(archive, "source", None), "mode", None)
    return bool(getattr(mode, "race", False) or getattr(mode, "msan", False))

def _go_hot_binary_impl(ctx):
    kit_archive = ctx.attr.kit[0][GoArchive]

    # A -race program is linked by rules_go and its patches are plugins (as under the go command);
    # any other, by `hotreload link` against the shared standard library (see the file's doc).
    shared = None if _race(kit_archive) else ctx.attr._shared_std[GoHotSharedStdInfo]
    if shared:
        exe = ctx.actions.declare_file("{}.hot/{}".format(ctx.label.name, ctx.label.name))

        # The program finds the library in its own directory (hotreload link's run path $ORIGIN):
        # the output group hot_binary is the two files to deploy together.
        beside = ctx.actions.declare_file("{}.hot/{}".format(ctx.label.name, shared.shlib.basename))
        ctx.actions.symlink(output = beside, target_file = shared.shlib)
        program_files = [exe, beside]
        program_runfiles = ctx.runfiles(files = [shared.shlib, shared.linker])
        program_runfiles = program_runfiles.merge(getattr(kit_archive, "runfiles", None) or ctx.runfiles())
    else:
        binary = ctx.attr.binary[0]
        exe = binary[DefaultInfo].files_to_run.executable
        program_files = [exe]
        program_runfiles = binary[DefaultInfo].default_runfiles
    std = ctx.attr._stdlib[0][GoStdLib]
    std_libs = std.libs if type(std.libs) == "depset" else depset(std.libs)
    main = kit_archive.data
    packages = kit_archive.transitive.to_list()

    # Snapshot of the patchable packages' sources (those of this workspace) as they were built:
    # patches are diffed against it, whatever the files on disk say later.
    snapshot_of = {}
    sources = []
    for d in packages:
        if not _main_repo(d.label):
            continue
        for f in d.srcs:
            if f.is_source and f.extension == "go":
                snapshot_of[f] = ctx.actions.declare_file("{}.kit/src/{}/{}".format(ctx.label.name, d.importmap, f.basename))
                sources.append(f)
    snapshot = [snapshot_of[f] for f in sources]
    if sources:
        args = ctx.actions.args()
        for f in sources:
            args.add(f)
            args.add(snapshot_of[f])
        ctx.actions.run_shell(
            inputs = sources,
            outputs = snapshot,
            arguments = [args],
            command = 'while [ $# -gt 0 ]; do cp "$1" "$2"; shift 2; done',
            mnemonic = "GoHotSnapshot",
            progress_message = "Snapshotting the sources of {} for its patch kit".format(ctx.label),
        )

    # For the launcher (runfiles paths) and for build actions (execution-root paths).
    kit = ctx.actions.declare_file(ctx.label.name + ".kit/kit.json")
    ctx.actions.write(kit, _describe(ctx, _short_path, exe, main, packages, std, snapshot_of, shared))
    kit_exec = ctx.actions.declare_file(ctx.label.name + ".kit/kit.exec.json")
    ctx.actions.write(kit_exec, _describe(ctx, _exec_path, exe, main, packages, std, snapshot_of, shared))

    launcher = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.expand_template(
        template = ctx.file._launcher_template,
        output = launcher,
        substitutions = {
            "{{LABEL}}": str(ctx.label),
            "{{HOTRELOAD}}": _rlocation_path(ctx, ctx.executable._hotreload),
            "{{KIT}}": _rlocation_path(ctx, kit),
            "{{WORKSPACE}}": ctx.workspace_name,
        },
        is_executable = True,
    )

    archives = []
    for d in packages:
        archives.append(d.file)
        if getattr(d, "export_file", None):
            archives.append(d.export_file)
    shared_files = [shared.shlib, shared.linker] if shared else []
    if shared:
        # x_defs and gc_linkopts as rules_go's link action passes them (x_defs unstamped).
        link_args = ctx.actions.args()
        link_args.add_all(["link", "--bazel-kit", kit_exec, "-o", exe, "--"])
        for k, v in kit_archive.x_defs.items():
            link_args.add("-X", "{}={}".format(k, v))
        link_args.add_all(ctx.attr.gc_linkopts)
        ctx.actions.run(
            executable = ctx.executable._hotreload_exec,
            arguments = [link_args],
            inputs = depset(
                [kit_exec, ctx.file._sdk_json] + archives + shared_files,
                transitive = [std_libs, kit_archive.cgo_deps, getattr(kit_archive, "cgo_link_inputs", depset())],
            ),
            outputs = [exe],
            mnemonic = "GoHotLink",
            use_default_shell_env = True,
            progress_message = "Linking {} against the hot standard library".format(ctx.label),
        )
    kit_inputs = depset([exe, ctx.file._sdk_json] + archives + snapshot + sources + shared_files, transitive = [std_libs])

    # The kit as one self-contained directory (description, archives, sources as built): what
    # CI archives to build patches for this binary later (go_hot_patch's base_kit).
    kit_dir = ctx.actions.declare_directory(ctx.label.name + ".kitdir")
    ctx.actions.run(
        executable = ctx.executable._hotreload,
        arguments = ["kit", "--bazel-kit", kit_exec.path, "-o", kit_dir.path],
        inputs = depset([kit_exec], transitive = [kit_inputs]),
        outputs = [kit_dir],
        mnemonic = "GoHotKit",
        use_default_shell_env = True,
        progress_message = "Writing the patch kit of {}".format(ctx.label),
    )

    runfiles = ctx.runfiles(
        files = [exe, kit, ctx.executable._hotreload, ctx.file._sdk_json] + snapshot + archives,
        transitive_files = std_libs,
    )
    runfiles = runfiles.merge(program_runfiles)
    runfiles = runfiles.merge(ctx.attr._bash_runfiles[DefaultInfo].default_runfiles)
    return [
        DefaultInfo(
            executable = launcher,
            files = depset([launcher, kit] + program_files),
            runfiles = runfiles,
        ),
        OutputGroupInfo(
            hot_binary = depset(program_files),
            patch_kit = depset([kit_dir]),
        ),
        GoHotBinaryInfo(kit_exec = kit_exec, inputs = kit_inputs, label = ctx.label),
    ]

_go_hot_binary = rule(
    implementation = _go_hot_binary_impl,
    executable = True,
    attrs = dict(hot_sdk_attrs("target"), **{
        "binary": attr.label(mandatory = True, cfg = hot_transition, executable = True),
        "kit": attr.label(mandatory = True, cfg = hot_transition, providers = [GoArchive]),
        "gc_linkopts": attr.string_list(doc = "go_binary's gc_linkopts, for the program's own link"),
        "_shared_std": attr.label(default = Label("//rules/private:shared_std"), providers = [GoHotSharedStdInfo]),
        # hotreload to run in the link action (_hotreload ships in the runfiles).
        "_hotreload_exec": attr.label(
            default = hot_sdk_tool("hotreload"),
            allow_single_file = True,
            executable = True,
            cfg = "exec",
        ),
        "_launcher_template": attr.label(
            default = Label("//rules/private:launcher.sh.tpl"),
            allow_single_file = True,
        ),
        # The launcher finds its files with Bazel's Bash runfiles library (rlocation).
        "_bash_runfiles": attr.label(default = "@bazel_tools//tools/bash/runfiles"),
    }),
    doc = "Runs a hot build of a go_binary under the hotreload launcher (see go_hot_binary).",
)

def _check_trusted_key(name, key):
    """Fails unless key is a public key's one-line text form (hotreload keygen's PREFIX.pub)."""
    fields = key.strip().split(" ")
    if len(fields) != 2 or fields[0] != _PUBLIC_KEY_WORD or len(fields[1]) != 44 or not fields[1].endswith("="):
        what = "a private key: never put it in a BUILD file; give the public key (PREFIX.pub)" if key.strip().startswith("gohot-ed25519-private") else "not a public key"
        fail("go_hot_binary {}: trusted_key is {}: want the one line of the .pub file `hotreload keygen -o PREFIX` wrote, \"{} <base64>\"".format(name, what, _PUBLIC_KEY_WORD))
    return fields[0] + " " + fields[1]

def _with_trusted_key(name, x_defs, key):
    """x_defs plus the agent's trusted key."""
    if x_defs == None:
        x_defs = {}
    if type(x_defs) != "dict":
        fail("go_hot_binary {}: trusted_key cannot be combined with an x_defs that is a select(): put \"{}\": <the public key> in each branch instead".format(name, AGENT_TRUSTED_KEY_VAR))
    if AGENT_TRUSTED_KEY_VAR in x_defs:
        fail("go_hot_binary {}: both trusted_key and x_defs[\"{}\"] are set: keep one".format(name, AGENT_TRUSTED_KEY_VAR))
    out = dict(x_defs)
    out[AGENT_TRUSTED_KEY_VAR] = _check_trusted_key(name, key)
    return out

def go_hot_binary(name, visibility = None, tags = None, testonly = None, trusted_key = None, **kwargs):
    """A go_binary whose every function can be replaced while it runs.

    Takes the attributes of go_binary (srcs, embed, deps, data, x_defs, gc_goopts, gc_linkopts,
    cgo, ...). `bazel run` of the target starts the program under the hotreload launcher, which
    watches the sources of the program's packages in this workspace and applies each edit to
    the running process.

    Declares `<name>` (the launcher; output groups `hot_binary` and `patch_kit`) and a hidden
    `<name>.hotbin` and `<name>.hotkit` go_binary targets (tags = ["manual"]).

    Args:
      name: the target name, conventionally `<go_binary name>_hot`.
      visibility: as for any rule.
      tags: as for any rule.
      testonly: as for any rule.
      trusted_key: production mode: the public key (the one line of the .pub file `hotreload
        keygen -o PREFIX` writes, "gohot-ed25519-public <base64>") whose signatures the binary
        requires of every patch; patches without a valid signature by the matching private key
        (go_hot_patch's signing_key, or `hotreload sign`) are refused. A string, not a label:
        it is set with the linker's -X (x_defs), whose values are strings. The launcher's own
        live patches are unsigned, so `bazel run` of such a target refuses them. Default:
        none, any patch for the binary's build is accepted.
      **kwargs: go_binary's attributes.
    """
    linkmode = kwargs.get("linkmode", "auto")
    if linkmode not in ("auto", "normal"):
        fail("go_hot_binary {}: linkmode = \"{}\" is not supported: a hot binary is an ordinary executable that loads patches as plugins (drop linkmode)".format(name, linkmode))
    kwargs.pop("linkmode", None)
    srcs = kwargs.pop("srcs", [])
    deps = kwargs.pop("deps", [])
    hidden = name + ".hotbin"
    gc_linkopts = kwargs.pop("gc_linkopts", [])
    hot_kwargs = dict(kwargs)
    if trusted_key != None:
        hot_kwargs["x_defs"] = _with_trusted_key(name, kwargs.get("x_defs"), trusted_key)

    # The program as rules_go links it: what runs in a -race build (see the file's doc). Otherwise
    # never built.
    go_binary(
        name = hidden,
        srcs = srcs + [_AGENT_IMPORT],
        deps = deps + [Label("//runtime/agent")],
        # External linking, as plugins are linked: the hot SDK leaves out the dynamic imports
        # cgo records for internal linking (they differ between a program and a plugin build).
        gc_linkopts = gc_linkopts + ["-linkmode", "external"],
        tags = ["manual"],
        visibility = ["//visibility:private"],
        testonly = testonly,
        **hot_kwargs
    )

    # The same program in plugin link mode: only its -dynlink archives are used (the kit, and the
    # program _go_hot_binary links from them).
    kit = name + ".hotkit"
    go_binary(
        name = kit,
        srcs = srcs + [_AGENT_IMPORT],
        deps = deps + [Label("//runtime/agent")],
        linkmode = "plugin",
        gc_linkopts = gc_linkopts,
        tags = ["manual"],
        visibility = ["//visibility:private"],
        testonly = testonly,
        **hot_kwargs
    )

    # ibazel_notify_changes: `ibazel run` keeps the program alive and tells the launcher about
    # each rebuild on stdin instead of restarting it.
    tags = list(tags or [])
    if "ibazel_notify_changes" not in tags:
        tags.append("ibazel_notify_changes")
    _go_hot_binary(
        name = name,
        binary = ":" + hidden,
        kit = ":" + kit,
        gc_linkopts = gc_linkopts,
        visibility = visibility,
        tags = tags,
        testonly = testonly,
    )
