//! Reading an import file into records: CSV with a header row, or NDJSON (one
//! JSON object a line), the columns `raven-console export` writes.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::ImportError;

/// The columns an import reads. `id` is accepted and ignored: users get new
/// ids in the tenant they are imported into (an id is unique across tenants).
pub const COLUMNS: &[&str] = &[
    "id",
    "name",
    "email",
    "external_ref",
    "role",
    "status",
    "metadata",
    "preferences",
    "avatar",
    "created_at",
    "last_login_at",
];

/// One row of the file: its line number (1 is the first line of the file)
/// and its values by column; an empty CSV cell is absent.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub line: usize,
    pub values: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Ndjson,
}

impl Format {
    /// By the file's extension, else by its first character (`{` is NDJSON).
    pub fn of(path: &Path, text: &str) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => Format::Csv,
            Some("ndjson" | "jsonl") => Format::Ndjson,
            _ if text.trim_start().starts_with('{') => Format::Ndjson,
            _ => Format::Csv,
        }
    }
}

/// The records of `text`, or the first problem that makes the file unreadable
/// as a whole (a header with a column nobody knows, a line that is not JSON).
pub fn records(text: &str, format: Format) -> Result<Vec<Record>, ImportError> {
    match format {
        Format::Csv => csv_records(text),
        Format::Ndjson => ndjson_records(text),
    }
}

fn unknown_column(line: usize, name: &str) -> ImportError {
    ImportError::Unreadable {
        line,
        message: format!(
            "unknown column {name:?}; the columns are {}",
            COLUMNS.join(", ")
        ),
    }
}

fn csv_records(text: &str) -> Result<Vec<Record>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::Unreadable {
            line: 1,
            message: format!("the header row: {e}"),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if let Some(unknown) = header.iter().find(|h| !COLUMNS.contains(&h.as_str())) {
        return Err(unknown_column(1, unknown));
    }
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| ImportError::Unreadable {
            line: e.position().map_or(0, |p| p.line() as usize),
            message: e.to_string(),
        })?;
        let line = row.position().map_or(0, |p| p.line() as usize);
        let values = header
            .iter()
            .zip(row.iter())
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), Value::String(v.to_string())))
            .collect();
        out.push(Record { line, values });
    }
    Ok(out)
}

fn ndjson_records(text: &str) -> Result<Vec<Record>, ImportError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(raw).map_err(|e| ImportError::Unreadable {
            line,
            message: format!("not JSON: {e}"),
        })?;
        let Value::Object(object) = value else {
            return Err(ImportError::Unreadable {
                line,
                message: "each line must be a JSON object".into(),
            });
        };
        if let Some(unknown) = object.keys().find(|k| !COLUMNS.contains(&k.as_str())) {
            return Err(unknown_column(line, unknown));
        }
        let values = object.into_iter().filter(|(_, v)| !v.is_null()).collect();
        out.push(Record { line, values });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_strings_and_empty_ones_absent() {
        let text = "name,email,metadata\nAda,ada@x.test,\"{\"\"plan\"\":\"\"pro\"\"}\"\nBo,,\n";
        let got = records(text, Format::Csv).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].line, 2);
        assert_eq!(
            got[0].values["metadata"],
            Value::String("{\"plan\":\"pro\"}".into())
        );
        assert_eq!(got[1].line, 3);
        assert!(!got[1].values.contains_key("email"));
    }

    #[test]
    fn an_unknown_column_is_named() {
        let err = records("name,nickname\nA,B\n", Format::Csv).unwrap_err();
        assert!(err.to_string().contains("nickname"), "{err}");
        let err = records("{\"name\":\"A\",\"displayName\":\"B\"}\n", Format::Ndjson).unwrap_err();
        assert!(err.to_string().contains("line 1") && err.to_string().contains("displayName"));
    }

    #[test]
    fn ndjson_keeps_json_values_and_line_numbers() {
        let text = "{\"name\":\"A\",\"metadata\":{\"n\":1}}\n\n{\"name\":\"B\",\"email\":null}\n";
        let got = records(text, Format::Ndjson).unwrap();
        assert_eq!(got[1].line, 3);
        assert_eq!(got[0].values["metadata"], serde_json::json!({"n": 1}));
        assert!(!got[1].values.contains_key("email"));
    }
}
