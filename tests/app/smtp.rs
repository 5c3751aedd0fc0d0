//! A real SMTP server per test: `tests/app/smtp_sink.py` (aiosmtpd) on a free
//! loopback port, writing each message it receives as JSON into its own folder.
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One message as the server received it.
#[derive(serde::Deserialize, Debug, Clone)]
pub struct Received {
    pub message_id: String,
    pub rcpt_tos: Vec<String>,
    pub to: String,
    /// The From header, its display name decoded.
    pub from: String,
    pub headers: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Whether it came over TLS.
    pub tls: bool,
    /// The user the sender signed in as, if any.
    pub user: Option<String>,
}

pub struct SmtpServer {
    pub port: u16,
    pub dir: PathBuf,
    /// The sink's options after its port and folder.
    options: Vec<String>,
    child: Option<Child>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpServer {
    /// Starts a server; fails loudly when python3-aiosmtpd is missing.
    pub fn start() -> SmtpServer {
        SmtpServer::start_with(new_folder(), Vec::new())
    }

    /// Starts a server that takes mail only after STARTTLS, and only from
    /// `user` signed in with `password`; its certificate, for 127.0.0.1, is
    /// signed by an authority of its own ([`SmtpServer::ca_file`]).
    pub fn start_tls(user: &str, password: &str) -> SmtpServer {
        SmtpServer::start_secured("--tls", user, password)
    }

    /// As [`SmtpServer::start_tls`], speaking TLS from the first byte (smtps).
    pub fn start_tls_wrapped(user: &str, password: &str) -> SmtpServer {
        SmtpServer::start_secured("--tls-wrap", user, password)
    }

    fn start_secured(how: &str, user: &str, password: &str) -> SmtpServer {
        let dir = new_folder();
        certificates(&dir);
        let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
        let options = vec![
            how.into(),
            path("cert.pem"),
            path("key.pem"),
            "--auth".into(),
            user.into(),
            password.into(),
        ];
        SmtpServer::start_with(dir, options)
    }

    fn start_with(dir: PathBuf, options: Vec<String>) -> SmtpServer {
        let mut s = SmtpServer {
            port: free_port(),
            dir,
            options,
            child: None,
        };
        s.resume();
        s
    }

    /// The authority that signed a secured server's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// `smtp://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops the server: connections are refused until [`SmtpServer::resume`].
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "the SMTP server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again on the same port and folder.
    pub fn resume(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/app/smtp_sink.py");
        // Debian's python3-aiosmtpd belongs to the system Python, which a user's
        // PATH may shadow (pyenv, venv); KEFU_TEST_PYTHON overrides.
        let python = std::env::var("KEFU_TEST_PYTHON").unwrap_or_else(|_| {
            if std::path::Path::new("/usr/bin/python3").exists() {
                "/usr/bin/python3".into()
            } else {
                "python3".into()
            }
        });
        let child = Command::new(python)
            .arg(script)
            .arg(self.port.to_string())
            .arg(&self.dir)
            .args(&self.options)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 must be installed, with aiosmtpd (Debian: python3-aiosmtpd)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                break;
            }
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    panic!(
                        "the test SMTP server exited ({status}): is python3-aiosmtpd installed? \
                         (sudo apt-get install python3-aiosmtpd)"
                    );
                }
            }
            assert!(Instant::now() < deadline, "the SMTP server did not start");
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Received> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push(serde_json::from_str(&text).unwrap());
            }
        }
        out
    }

    /// Messages to `addr`.
    pub fn to(&self, addr: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.rcpt_tos.iter().any(|r| r == addr))
            .collect()
    }
}

fn new_folder() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kefu-smtp-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes into `dir` an authority (`ca.pem`) and a server certificate it signed
/// for 127.0.0.1 (`cert.pem`, `key.pem`), with Debian's openssl.
fn certificates(dir: &std::path::Path) {
    let openssl = |args: &str| {
        let out = Command::new("openssl")
            .args(args.split_whitespace())
            .current_dir(dir)
            .output()
            .expect("openssl must be installed (Debian: openssl)");
        assert!(
            out.status.success(),
            "openssl {args}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    openssl(&format!(
        "req -x509 {ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=kefu-test-authority"
    ));
    openssl(&format!(
        "req {ec} -keyout key.pem -out cert.csr -subj /CN=127.0.0.1"
    ));
    std::fs::write(
        dir.join("cert.ext"),
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        "x509 -req -in cert.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
         -extfile cert.ext -out cert.pem",
    );
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The email link in a mail's text part.
pub fn link_in(text: &str) -> String {
    let start = text.find("/approvals/link/").expect("a link in the mail");
    let token: String = text[start + "/approvals/link/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    format!("/approvals/link/{token}")
}
