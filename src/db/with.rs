//! One statement of data-modifying CTEs (`WITH a AS (INSERT …), b AS (INSERT …
//! SELECT … FROM a) SELECT …`), built from parts that several modules write: a
//! form token's claim, a feature's own record, the approval engine's request and
//! task, the audit line. PostgreSQL runs the statement as one transaction, so a
//! filing that used to send a dozen statements between `BEGIN` and `COMMIT`
//! sends one (see bench/RESULTS.md).
//!
//! A part reads the rows of the parts before it (`… SELECT … FROM claim`): when
//! one of them inserted nothing (a form token already claimed), the parts that
//! read it insert nothing either. Values are bound, never written into the text,
//! and the text of a given filing is always the same, so it is prepared once per
//! connection ([`super::cached`]). A part's text, and the SQL expressions a
//! module is handed (`"ids, claim"`, `"'/leave/' || ids.id"`), are the code's own,
//! never anything a user typed.
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::HasSqlType;

pub struct With {
    sql: String,
    query: Option<BoxedSqlQuery<'static, Pg, SqlQuery>>,
    binds: usize,
    parts: usize,
}

impl Default for With {
    fn default() -> Self {
        With::new()
    }
}

impl With {
    pub fn new() -> With {
        With {
            sql: String::from("WITH "),
            query: Some(diesel::sql_query("").into_boxed()),
            binds: 0,
            parts: 0,
        }
    }

    /// Binds `value` and returns its placeholder (`$3`) for a part's text.
    pub fn bind<ST, V>(&mut self, value: V) -> String
    where
        Pg: HasSqlType<ST>,
        V: ToSql<ST, Pg> + Send + 'static,
        ST: Send + 'static,
    {
        let query = self.query.take().expect("a With is built once");
        self.query = Some(query.bind::<ST, V>(value));
        self.binds += 1;
        format!("${}", self.binds)
    }

    /// Adds the part `name AS (sql)`; later parts read it by `name`.
    pub fn part(&mut self, name: &str, sql: &str) {
        if self.parts > 0 {
            self.sql.push_str(",\n");
        }
        self.sql.push_str(name);
        self.sql.push_str(" AS (");
        self.sql.push_str(sql);
        self.sql.push(')');
        self.parts += 1;
    }

    /// Adds the part `ids`: the next id of `table`'s serial column `id`, drawn
    /// before anything is inserted so that earlier parts can name the new record
    /// (a form token's path). A filing that ends up inserting nothing wastes it.
    /// `after`: a part drawn first (a lock the filing takes), or `None`.
    pub fn next_id(&mut self, table: &'static str, after: Option<&str>) {
        let table = self.bind::<diesel::sql_types::Text, _>(table);
        let from = after.map(|p| format!(" FROM {p}")).unwrap_or_default();
        self.part(
            "ids",
            &format!("SELECT nextval(pg_get_serial_sequence({table}, 'id')) AS id{from}"),
        );
    }

    /// The statement: every part, then `select` (what it returns).
    pub fn select(mut self, select: &str) -> super::Cached<BoxedSqlQuery<'static, Pg, SqlQuery>> {
        self.sql.push('\n');
        self.sql.push_str(select);
        let query = self.query.take().expect("a With is built once");
        super::cached(query.sql(&self.sql))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::query_builder::QueryFragment;
    use diesel::sql_types::{BigInt, Text};

    #[test]
    fn parts_are_joined_and_placeholders_numbered_in_order() {
        let mut w = With::new();
        let a = w.bind::<Text, _>("x".to_owned());
        w.part("a", &format!("SELECT {a} AS v"));
        let b = w.bind::<BigInt, _>(7_i64);
        w.part("b", &format!("SELECT v, {b} AS n FROM a"));
        let q = w.select("SELECT v FROM b");
        let sql = diesel::debug_query::<Pg, _>(&q).to_string();
        assert!(
            sql.starts_with(
                "WITH a AS (SELECT $1 AS v),\nb AS (SELECT v, $2 AS n FROM a)\nSELECT v FROM b"
            ),
            "{sql}"
        );
        assert!(sql.contains("binds: [\"x\", 7]"), "{sql}");
        assert!(q.is_safe_to_cache_prepared(&Pg).unwrap());
    }
}
