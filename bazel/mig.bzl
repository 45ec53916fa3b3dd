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
