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

def mig_cc_binary(name, copts = [], **kwargs):
    native.cc_binary(name = name, copts = MIG_COPTS + copts, **kwargs)

def mig_cc_test(name, copts = [], deps = [], size = "small", **kwargs):
    """A Catch2 test: the test's sources hold TEST_CASEs; main() comes from //test:catch_main."""
    native.cc_test(
        name = name,
        copts = MIG_COPTS + copts,
        deps = deps + ["//test:catch_main"],
        size = size,
        **kwargs
    )
