"""Repository-wide C++ rule macros: every target of ours goes through these, so compiler options and test
plumbing live in one place."""

MIG_COPTS = [
    "-Wall",
    "-Wextra",
    "-Wno-unused-parameter",
    "-Wno-missing-field-initializers",
]

def mig_cc_library(name, copts = [], **kwargs):
    native.cc_library(name = name, copts = MIG_COPTS + copts, **kwargs)

# --config=tsan compiles the suppressions for third-party code into every binary and test.
_TSAN_SRCS = select({
    "//bazel:tsan": ["//bazel:tsan_suppressions.cc"],
    "//conditions:default": [],
})

def mig_cc_binary(name, srcs = [], copts = [], **kwargs):
    native.cc_binary(name = name, srcs = srcs + _TSAN_SRCS, copts = MIG_COPTS + copts, **kwargs)

def mig_cc_test(name, srcs = [], copts = [], deps = [], size = "small", **kwargs):
    """A Catch2 test: the test's sources hold TEST_CASEs; main() comes from //test:catch_main."""
    native.cc_test(
        name = name,
        copts = MIG_COPTS + copts,
        srcs = srcs + _TSAN_SRCS,
        deps = deps + ["//test:catch_main"],
        size = size,
        **kwargs
    )

def mig_cc_fuzz_test(name, srcs, deps = [], corpus = [], **kwargs):
    """A libFuzzer target (it defines LLVMFuzzerTestOneInput).

    `corpus` is its seed corpus: the files of one directory, testdata/fuzz/<name>/ (a package with a single
    fuzz target may keep them in testdata/fuzz/ itself). With --config=fuzz (clang, -fsanitize=fuzzer plus
    ASan and UBSan) the binary is the fuzzer itself:
        bazel build --config=fuzz //pkg:name
        bazel-bin/pkg/name -max_total_time=600 /tmp/corpus pkg/testdata/fuzz/name
    In every other build it is a test that feeds each file of its seed corpus to the target once, so the
    target keeps compiling and the seeds keep passing.
    """
    directories = {path.rpartition("/")[0]: True for path in corpus}
    if len(directories) != 1:
        fail("%s: the seed corpus must be the files of one directory, got %s" % (name, directories.keys()))
    native.cc_test(
        name = name,
        srcs = srcs + _TSAN_SRCS,
        copts = MIG_COPTS,
        deps = deps + select({
            "//bazel:fuzzing": [],
            "//conditions:default": ["//test:fuzz_replay_main"],
        }),
        linkopts = select({
            "//bazel:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        data = corpus,
        args = ["%s/%s" % (native.package_name(), directories.keys()[0])],
        size = "small",
        **kwargs
    )

# What every part of a module may use: the module interface, results, JSON, status and strings.
_MODULE_COMMON_DEPS = [
    "//base:status_macros",
    "//base/json:reader",
    "//base/json:writer",
    "//modules:module",
    "//modules:result",
    "@com_google_absl//absl/status:statusor",
    "@com_google_absl//absl/strings",
    "@com_google_absl//absl/strings:str_format",
    "@com_google_absl//absl/time",
]

def mig_module(
        name,
        engine,
        parameters_srcs = ["parameters.cc"],
        parameters_hdrs = ["parameters.h"],
        parameters_deps = [],
        command_line_deps = [],
        render = True,
        render_deps = [],
        parameters_test_deps = []):
    """A module's standard parts, the same in every module directory (README "Adding a module"):

      :parameters       parameters.h/.cc: MIG's parameters JSON, parsed and validated into a type
      :command_line     command_line.h/.cc: the investigator's flags (MIG's names), into parameters
      :render           render.h/.cc: a result as MIG's client prints it (render = False: the engine renders)
      :<name>           <name>_module.cc: the module's TypedModule (modules/typed_module.h), registered by
                        name; alwayslink, linked by //modules:all
      :parameters_test  parameters_test.cc, when there is one

    `engine`: the module's own targets that do its work (":search", ":scan"...), used by <name>_module.cc.
    The *_deps add what a part needs beyond the module interface, results, JSON, status and strings.
    """
    mig_cc_library(
        name = "parameters",
        srcs = parameters_srcs,
        hdrs = parameters_hdrs,
        deps = _MODULE_COMMON_DEPS + parameters_deps,
    )
    mig_cc_library(
        name = "command_line",
        srcs = ["command_line.cc"],
        hdrs = ["command_line.h"],
        deps = [":parameters"] + _MODULE_COMMON_DEPS + command_line_deps,
    )
    if render:
        mig_cc_library(
            name = "render",
            srcs = ["render.cc"],
            hdrs = ["render.h"],
            deps = _MODULE_COMMON_DEPS + render_deps,
        )
    mig_cc_library(
        name = name,
        srcs = [name + "_module.cc"],
        visibility = ["//modules:__pkg__"],
        deps = [":command_line", ":parameters", "//modules:typed_module"] + ([":render"] if render else []) +
               engine + _MODULE_COMMON_DEPS,
        alwayslink = True,
    )
    if native.glob(["parameters_test.cc"]):
        mig_cc_test(
            name = "parameters_test",
            srcs = ["parameters_test.cc"],
            deps = [":command_line", ":parameters", "@cli11"] + _MODULE_COMMON_DEPS + parameters_test_deps,
        )
