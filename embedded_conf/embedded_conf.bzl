"""The rule that validates a site's configuration and compiles it into the binary."""

def _embedded_conf_source_impl(ctx):
    confs = [f for f in ctx.files.site if f.basename.endswith(".conf")]
    if len(confs) != 1:
        fail("the site %s must hold exactly one .conf file, found %d" % (ctx.attr.site.label, len(confs)))
    conf = confs[0]
    out = ctx.actions.declare_file(ctx.label.name + ".cc")
    args = ctx.actions.args()
    args.add("--conf", conf)
    args.add("--name", conf.basename)
    args.add("--out", out)
    prefix = conf.dirname + "/"
    for f in ctx.files.site:
        if f == conf:
            continue
        if not f.path.startswith(prefix):
            fail("%s is not in the directory of %s or below it" % (f.path, conf.path))
        args.add("--file", "%s=%s" % (f.path[len(prefix):], f.path))
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = [args],
        inputs = ctx.files.site,
        outputs = [out],
        mnemonic = "MigConf",
        progress_message = "Validating and embedding the mig configuration %s" % conf.short_path,
    )
    return [DefaultInfo(files = depset([out]))]

embedded_conf_source = rule(
    implementation = _embedded_conf_source_impl,
    doc = "Validates a site configuration (a .conf file and the files it refers to) and generates the C++ " +
          "source that embeds it. The build fails if the configuration is invalid.",
    attrs = {
        "site": attr.label(mandatory = True, allow_files = True),
        "_tool": attr.label(
            default = "//embedded_conf:conf_tool",
            executable = True,
            cfg = "exec",
        ),
    },
)
