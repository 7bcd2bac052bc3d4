//! Shell integration for both binaries: completion scripts (clap_complete) and
//! man pages (clap_mangen), made from the same clap definitions as `--help`,
//! so they cannot drift from it.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::Command;
pub use clap_complete::Shell;

/// Writes the completion script of `cmd` for `shell` to stdout.
pub fn completions(mut cmd: Command, shell: Shell) {
    let name = cmd.get_name().to_string();
    clap_complete::generate(shell, &mut cmd, name, &mut std::io::stdout());
}

/// Writes one man page per command and subcommand of `cmd` into `dir`
/// (`raven-server.1`, `raven-server-key-create.1`, ...) and returns their paths.
pub fn man_pages(cmd: Command, dir: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    let bin = cmd.get_name().to_string();
    write_pages(cmd.bin_name(bin), dir, &mut written)?;
    Ok(written)
}

/// The page of `cmd` (its bin name already the words a user types, such as
/// `raven-server key create`), then those of its subcommands.
fn write_pages(
    cmd: Command,
    dir: &Path,
    written: &mut Vec<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let cmd = cmd.disable_help_subcommand(true);
    let name = cmd.get_display_name().unwrap_or(cmd.get_name()).to_string();
    let bin = cmd.get_bin_name().unwrap_or(&name).to_string();
    let path = dir.join(format!("{name}.1"));
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut page)
        .with_context(|| format!("rendering {name}"))?;
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(&page))
        .with_context(|| format!("writing {}", path.display()))?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let sub = sub
            .clone()
            .display_name(format!("{name}-{}", sub.get_name()))
            .bin_name(format!("{bin} {}", sub.get_name()));
        write_pages(sub, dir, written)?;
    }
    Ok(())
}
