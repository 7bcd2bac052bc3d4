//! The export's output: CSV with a header row, one JSON array, or one JSON
//! object a line, with the columns the server's dialects provide.

use std::io::Write;

use serde_json::{Map, Value};

use crate::console::view::{Dialects, ListRow};

/// How the rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A header row, then one line a user.
    #[default]
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object a line.
    Ndjson,
}

impl Format {
    /// The format a file's name asks for: `.json`, `.ndjson`/`.jsonl`, else CSV.
    pub fn of_path(path: &std::path::Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            Some("ndjson" | "jsonl") => Format::Ndjson,
            _ => Format::Csv,
        }
    }
}

/// A column of the export: its name in every format, and the row's value.
pub struct Column {
    pub name: &'static str,
    provided_by: fn(Dialects) -> bool,
    value: fn(&ListRow) -> Option<String>,
}

/// Every column, in the order written.
const COLUMNS: &[Column] = &[
    Column {
        name: "id",
        provided_by: |_| true,
        value: |r| Some(r.id.clone()),
    },
    Column {
        name: "name",
        provided_by: |_| true,
        value: |r| r.name.clone(),
    },
    Column {
        name: "email",
        provided_by: |d| d.eai,
        value: |r| r.email.clone(),
    },
    Column {
        name: "external_ref",
        provided_by: |d| d.raven,
        value: |r| r.external_ref.clone(),
    },
    Column {
        name: "role",
        provided_by: |d| d.eai,
        value: |r| r.role.map(|x| x.as_str().to_string()),
    },
    Column {
        name: "status",
        provided_by: |d| d.eai,
        value: |r| r.status.map(|x| x.as_str().to_string()),
    },
    Column {
        name: "last_login_at",
        provided_by: |d| d.eai,
        value: |r| r.last_login_at.clone(),
    },
    Column {
        name: "created_at",
        provided_by: |d| d.raven,
        value: |r| r.created_at.clone(),
    },
];

/// The columns a server speaking `dialects` provides.
pub fn columns(dialects: Dialects) -> Vec<&'static Column> {
    COLUMNS
        .iter()
        .filter(|c| (c.provided_by)(dialects))
        .collect()
}

/// Writes rows in one format; [`Sink::finish`] closes the output's shape.
pub struct Sink<W: Write> {
    format: Format,
    columns: Vec<&'static Column>,
    out: Option<csv::Writer<W>>,
    raw: Option<W>,
    rows: u64,
    started: bool,
}

impl<W: Write> Sink<W> {
    /// A sink on `out`; nothing is written until the first row or
    /// [`Sink::finish`], so an export that fails at once leaves stdout empty.
    pub fn new(format: Format, dialects: Dialects, out: W) -> std::io::Result<Sink<W>> {
        Ok(Sink {
            format,
            columns: columns(dialects),
            out: None,
            raw: Some(out),
            rows: 0,
            started: false,
        })
    }

    /// The CSV header, or JSON's opening bracket.
    fn start(&mut self) -> std::io::Result<()> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        match self.format {
            Format::Csv => {
                let out = self
                    .raw
                    .take()
                    .ok_or_else(|| std::io::Error::other("the export's output is gone"))?;
                let mut w = csv::Writer::from_writer(out);
                w.write_record(self.columns.iter().map(|c| c.name))
                    .map_err(csv_io)?;
                self.out = Some(w);
            }
            Format::Json => {
                if let Some(out) = self.raw.as_mut() {
                    out.write_all(b"[")?;
                }
            }
            Format::Ndjson => {}
        }
        Ok(())
    }

    fn object(&self, row: &ListRow) -> Map<String, Value> {
        self.columns
            .iter()
            .map(|c| {
                let v = (c.value)(row).map_or(Value::Null, Value::String);
                (c.name.to_string(), v)
            })
            .collect()
    }

    pub fn row(&mut self, row: &ListRow) -> std::io::Result<()> {
        self.start()?;
        if let Some(w) = self.out.as_mut() {
            let cells: Vec<String> = self
                .columns
                .iter()
                .map(|c| (c.value)(row).unwrap_or_default())
                .collect();
            w.write_record(&cells).map_err(csv_io)?;
        } else {
            let text = serde_json::to_string(&self.object(row))?;
            let first = self.rows == 0;
            let json = self.format == Format::Json;
            if let Some(out) = self.raw.as_mut() {
                match (json, first) {
                    (true, true) => out.write_all(b"\n")?,
                    (true, false) => out.write_all(b",\n")?,
                    (false, _) => {}
                }
                out.write_all(text.as_bytes())?;
                if !json {
                    out.write_all(b"\n")?;
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends the output (JSON's closing bracket) and flushes it; the writer back.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.start()?;
        if let Some(w) = self.out.take() {
            return w.into_inner().map_err(|e| e.into_error());
        }
        let mut out = self
            .raw
            .take()
            .ok_or_else(|| std::io::Error::other("the export's output is gone"))?;
        if self.format == Format::Json {
            out.write_all(if self.rows == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        out.flush()?;
        Ok(out)
    }
}

fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> ListRow {
        ListRow {
            id: "usr_1".into(),
            name: Some("Ann, \"A\"".into()),
            email: Some("ann@example.com".into()),
            ..ListRow::default()
        }
    }

    fn written(format: Format, d: Dialects, rows: &[ListRow]) -> String {
        let mut sink = Sink::new(format, d, Vec::new()).unwrap();
        for r in rows {
            sink.row(r).unwrap();
        }
        String::from_utf8(sink.finish().unwrap()).unwrap()
    }

    #[test]
    fn csv_has_the_header_and_quotes() {
        let text = written(Format::Csv, Dialects::EAI, &[row()]);
        assert_eq!(
            text,
            "id,name,email,role,status,last_login_at\nusr_1,\"Ann, \"\"A\"\"\",ann@example.com,,,\n"
        );
    }

    #[test]
    fn json_and_ndjson_parse() {
        let text = written(Format::Json, Dialects::BOTH, &[row(), row()]);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v.as_array().map(Vec::len), Some(2));
        assert_eq!(v[0]["external_ref"], Value::Null);
        let empty: Value =
            serde_json::from_str(&written(Format::Json, Dialects::BOTH, &[])).unwrap();
        assert_eq!(empty, Value::Array(vec![]));
        let nd = written(Format::Ndjson, Dialects::RAVEN, &[row()]);
        let one: Value = serde_json::from_str(nd.trim_end()).unwrap();
        assert_eq!(one["id"], "usr_1");
        assert!(one.get("email").is_none());
    }
}
