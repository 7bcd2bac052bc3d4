//! A JSON field in `$VISUAL` / `$EDITOR`, as `kubectl edit` does it: the text
//! goes to a private temporary file, the editor runs on the real terminal, and
//! whatever was saved comes back. Blocking: the loop runs it on a blocking
//! thread with the terminal restored.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use super::edit::form::FormField;

/// The editor command line: `$VISUAL`, else `$EDITOR`, else `vi`. It may carry
/// arguments (`code --wait`), so it runs through `sh`.
pub fn command() -> String {
    ["VISUAL", "EDITOR"]
        .into_iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

/// Runs the admin's editor on `text`; the edited text, or why there is none.
pub fn edit(field: FormField, text: &str) -> Result<String, String> {
    edit_with(&command(), field, text)
}

/// Runs `editor` (a shell command line; the file is appended) on `text`.
pub fn edit_with(editor: &str, field: FormField, text: &str) -> Result<String, String> {
    let path = temp_path(field);
    let result = run(editor, &path, text);
    let _ = std::fs::remove_file(&path);
    result
}

fn temp_path(field: FormField) -> PathBuf {
    // The .json suffix gives the editor its syntax highlighting.
    let nonce = crate::model::base62(8);
    std::env::temp_dir().join(format!(
        "raven-console-{}-{}-{nonce}.json",
        field.label(),
        std::process::id()
    ))
}

fn run(editor: &str, path: &PathBuf, text: &str) -> Result<String, String> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        // Metadata may be private: only the admin reads the file.
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|_| file.write_all(b"\n"))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    drop(file);
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("raven-console")
        .arg(path)
        .status()
        .map_err(|e| format!("{editor}: {e}"))?;
    if !status.success() {
        return Err(format!("{editor} exited with {status}"));
    }
    std::fs::read_to_string(path)
        .map(|s| s.trim_end().to_string())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_editor_gets_the_text_and_its_changes_come_back() {
        let out = edit_with(
            "sed -i -e s/dark/light/",
            FormField::Preferences,
            "{\n  \"theme\": \"dark\"\n}",
        );
        assert_eq!(out.as_deref(), Ok("{\n  \"theme\": \"light\"\n}"));
    }

    #[test]
    fn a_failing_editor_changes_nothing() {
        let err = edit_with("false", FormField::Metadata, "{}").unwrap_err();
        assert!(err.contains("exited"), "{err}");
    }
}
