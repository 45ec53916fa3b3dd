"""cc_toolchain_config for Zig's clang targeting x86_64-linux-musl, fully static."""

load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")
load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    "feature",
    "flag_group",
    "flag_set",
    "tool_path",
    "with_feature_set",
)

_ZIG_LIB = "/opt/mig-toolchain/zig-0.11.0/lib"

_C_COMPILE = [ACTION_NAMES.c_compile]
_CXX_COMPILE = [
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
    ACTION_NAMES.linkstamp_compile,
]
_ALL_COMPILE = _C_COMPILE + _CXX_COMPILE + [ACTION_NAMES.assemble, ACTION_NAMES.preprocess_assemble]
_ALL_LINK = [
    ACTION_NAMES.cpp_link_executable,
    ACTION_NAMES.cpp_link_dynamic_library,
    ACTION_NAMES.cpp_link_nodeps_dynamic_library,
]

def _impl(ctx):
    tool_paths = [
        tool_path(name = "gcc", path = "zig-cc.sh"),
        tool_path(name = "ld", path = "zig-cc.sh"),
        tool_path(name = "ar", path = "zig-ar.sh"),
        tool_path(name = "cpp", path = "/bin/false"),
        tool_path(name = "gcov", path = "/bin/false"),
        tool_path(name = "nm", path = "/bin/false"),
        tool_path(name = "objdump", path = "/bin/false"),
        tool_path(name = "strip", path = "/bin/false"),
    ]

    default_compile = feature(
        name = "default_compile_flags",
        enabled = True,
        flag_sets = [
            flag_set(
                actions = _ALL_COMPILE,
                flag_groups = [flag_group(flags = [
                    # musl 1.2.4 hides the *64 aliases Abseil uses unless asked for them.
                    "-D_LARGEFILE64_SOURCE",
                    "-D_GNU_SOURCE",
                    "-fno-omit-frame-pointer",
                    "-ffunction-sections",
                    "-fdata-sections",
                    "-Wall",
                    "-Wno-deprecated-builtins",
                    # Reproducible outputs: no timestamps or absolute paths in objects.
                    "-Wno-builtin-macro-redefined",
                    "-D__DATE__=\"redacted\"",
                    "-D__TIMESTAMP__=\"redacted\"",
                    "-D__TIME__=\"redacted\"",
                ])],
            ),
            flag_set(
                actions = _ALL_COMPILE,
                flag_groups = [flag_group(flags = ["-O2", "-g0", "-DNDEBUG"])],
                with_features = [with_feature_set(not_features = ["dbg"])],
            ),
            flag_set(
                actions = _ALL_COMPILE,
                flag_groups = [flag_group(flags = ["-O0", "-g"])],
                with_features = [with_feature_set(features = ["dbg"])],
            ),
            flag_set(
                actions = _CXX_COMPILE,
                flag_groups = [flag_group(flags = ["-std=c++20"])],
            ),
        ],
    )

    default_link = feature(
        name = "default_link_flags",
        enabled = True,
        flag_sets = [
            flag_set(
                actions = _ALL_LINK,
                flag_groups = [flag_group(flags = [
                    # Always -O2 at link: zig builds its musl/libc++ runtime once per optimization mode, and
                    # its debug runtime is five times larger.
                    "-O2",
                    "-static",
                    "-Wl,--gc-sections",
                    "-lc++",
                ])],
            ),
            flag_set(
                actions = _ALL_LINK,
                # Debug sections (mostly those of zig's runtime) make the binary 12x larger.
                flag_groups = [flag_group(flags = ["-Wl,--strip-debug"])],
                with_features = [with_feature_set(not_features = ["mig_symbols"])],
            ),
        ],
    )

    features = [
        feature(name = "dbg"),
        feature(name = "opt"),
        feature(name = "fastbuild"),
        feature(name = "supports_start_end_lib", enabled = False),
        feature(name = "supports_dynamic_linker", enabled = False),
        feature(name = "supports_pic", enabled = False),
        feature(name = "static_link_cpp_runtimes", enabled = False),
        # --features=mig_symbols keeps symbols and debug information, for profiling with perf.
        feature(name = "mig_symbols"),
        default_compile,
        default_link,
    ]

    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        features = features,
        cxx_builtin_include_directories = [_ZIG_LIB],
        toolchain_identifier = "zig-musl",
        host_system_name = "x86_64-linux-musl",
        target_system_name = "x86_64-linux-musl",
        target_cpu = "k8",
        target_libc = "musl",
        compiler = "zig",
        abi_version = "musl",
        abi_libc_version = "musl",
        tool_paths = tool_paths,
    )

zig_cc_toolchain_config = rule(
    implementation = _impl,
    attrs = {},
    provides = [CcToolchainConfigInfo],
)
