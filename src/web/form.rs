//! Form bodies and per-field validation messages.
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

use crate::error::AppError;
use crate::i18n::Locale;

/// A url-encoded form body. Unlike `web::Form`, repeated fields (checkboxes)
/// fill a `Vec`. A body that does not fit `T` is a 400 page, never a 500.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_form = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_form {
                return Err(AppError::BadRequest);
            }
            let bytes = bytes.await.map_err(|_| AppError::BadRequest)?;
            serde_html_form::from_bytes::<T>(&bytes)
                .map(Form)
                .map_err(|e| {
                    tracing::info!(error = %e, "form body refused");
                    AppError::BadRequest
                })
        })
    }
}

/// Validation messages by field name, already in the user's language.
#[derive(Default, Debug)]
pub struct FieldErrors {
    locale: Locale,
    errors: BTreeMap<&'static str, String>,
}

impl FieldErrors {
    pub fn new(locale: Locale) -> Self {
        FieldErrors {
            locale,
            errors: BTreeMap::new(),
        }
    }

    /// Records the catalog message `key` for `field` (the first message per field wins).
    pub fn add(&mut self, field: &'static str, key: &str) {
        let text = self.locale.t(key).to_owned();
        self.errors.entry(field).or_insert(text);
    }

    /// The language the messages are written in.
    pub fn locale(&self) -> Locale {
        self.locale
    }

    pub fn add_text(&mut self, field: &'static str, text: String) {
        self.errors.entry(field).or_insert(text);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The message for `field`, or "" (templates test `!= ""`).
    pub fn get(&self, field: &str) -> &str {
        self.errors.get(field).map_or("", |s| s.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }

    /// All messages in field order, for the summary at the top of the form.
    pub fn all(&self) -> Vec<(&'static str, &str)> {
        self.errors.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }
}

/// One uploaded file.
pub struct UploadedFile {
    pub field: String,
    pub filename: String,
    pub content: web::Bytes,
}

/// A multipart form: its text fields and its files, read whole (the CSRF check has
/// already bounded the size). Anything that is not multipart is a 400.
pub struct Upload {
    pub fields: std::collections::HashMap<String, String>,
    pub files: Vec<UploadedFile>,
}

impl Upload {
    /// The first non-empty file sent as `field`.
    pub fn file(&self, field: &str) -> Option<&UploadedFile> {
        self.files
            .iter()
            .find(|f| f.field == field && !f.content.is_empty())
    }
}

impl FromRequest for Upload {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let mut payload = payload.take();
        Box::pin(async move {
            let boundary =
                multer::parse_boundary(&content_type).map_err(|_| AppError::BadRequest)?;
            let mut body = web::BytesMut::new();
            while let Some(chunk) = futures_util::StreamExt::next(&mut payload).await {
                let chunk = chunk.map_err(|_| AppError::BadRequest)?;
                if body.len() + chunk.len() > crate::web::middleware::UPLOAD_LIMIT {
                    return Err(AppError::BadRequest);
                }
                body.extend_from_slice(&chunk);
            }
            let body = body.freeze();
            let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
            let mut parts = multer::Multipart::new(stream, boundary);
            let mut upload = Upload {
                fields: Default::default(),
                files: Vec::new(),
            };
            while let Some(field) = parts.next_field().await.map_err(|_| AppError::BadRequest)? {
                let name = field.name().unwrap_or("").to_owned();
                match field.file_name().map(str::to_owned) {
                    Some(filename) => {
                        let content = field.bytes().await.map_err(|_| AppError::BadRequest)?;
                        upload.files.push(UploadedFile {
                            field: name,
                            filename,
                            content,
                        });
                    }
                    None => {
                        let text = field.text().await.map_err(|_| AppError::BadRequest)?;
                        upload.fields.insert(name, text);
                    }
                }
            }
            Ok(upload)
        })
    }
}
