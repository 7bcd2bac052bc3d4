//! Where the product keeps its files: the platform's data and config directories
//! (XDG on Linux), each overridable by an environment variable so that tests and
//! admins can point it elsewhere.

use std::path::PathBuf;

use directories::ProjectDirs;

/// Overrides the data directory (the default SQLite file, the console's key).
pub const DATA_DIR_ENV: &str = "RAVEN_DATA_DIR";
/// Overrides the config directory (`config.toml`).
pub const CONFIG_DIR_ENV: &str = "RAVEN_CONFIG_DIR";

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "raven-console")
}

fn dir_from(env: &str, pick: fn(&ProjectDirs) -> PathBuf) -> PathBuf {
    if let Some(dir) = std::env::var_os(env).filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    // Without a home directory (a bare container), fall back to the working directory.
    project_dirs()
        .map(|p| pick(&p))
        .unwrap_or_else(|| PathBuf::from(".raven-console"))
}

/// The data directory: `$RAVEN_DATA_DIR`, else e.g. `~/.local/share/raven-console`.
pub fn data_dir() -> PathBuf {
    dir_from(DATA_DIR_ENV, |p| p.data_dir().to_path_buf())
}

/// The config directory: `$RAVEN_CONFIG_DIR`, else e.g. `~/.config/raven-console`.
pub fn config_dir() -> PathBuf {
    dir_from(CONFIG_DIR_ENV, |p| p.config_dir().to_path_buf())
}

/// The SQLite file used when no `--database` is given, by the server and by the
/// console's embedded server alike, so both see the same users.
pub fn default_database_path() -> PathBuf {
    data_dir().join("raven.db")
}
