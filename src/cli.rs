//! The subcommands of the `kefu` binary.
use anyhow::Context;
use clap::{Parser, Subcommand};
use diesel_async::AsyncConnection;

use crate::auth::{password, Role};
use crate::config::Config;
use crate::users::{forms, models::NewUser, queries};

#[derive(Parser)]
#[command(
    name = "kefu",
    version,
    about = "客服部内网 — the customer-service department's intranet"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Migrate, then serve the site on BIND.
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Create the demo users (one per role) that do not exist yet.
    SeedDemo,
    /// Create an account; prints its one-time password.
    CreateUser {
        username: String,
        /// Display name, e.g. "客服主管 李强".
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// Role codes, repeatable: employee, cs_specialist, archive_keeper,
        /// cs_supervisor, center_manager, engineering_manager, admin.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
    },
    /// Give an account a new one-time password (printed), turn its second factor
    /// off, end its sessions and lift its sign-in lock: for an administrator
    /// locked out (a lost phone, a forgotten password) with nobody to reset
    /// them on the site.
    ResetUser { username: String },
    /// Import a rule text (plain text or Markdown) into the handbook as drafts;
    /// unchanged documents are left alone.
    ImportHandbook {
        file: std::path::PathBuf,
        /// Title for a text with neither a "…规章制度N" marker nor a `#` heading.
        #[arg(long, default_value = "")]
        title: String,
        /// Publish the new drafts at once (effective today).
        #[arg(long)]
        publish: bool,
    },
    /// Run one periodic job now (approvals.remind, approvals.escalate), or
    /// `mail.send` to send the mail that is due.
    RunJob { name: String },
    /// Write the values sealed with KEFU_DATA_KEY back as typed: before rolling
    /// the database back past the migration `…000200_sealed_id_numbers`, or to
    /// change the key (unseal with the old one, start with the new one).
    Unseal,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    crate::db::sealed::install(config.data_key.as_deref());
    // `reset-user` lifts a sign-in lock kept under the name's keyed hash.
    crate::auth::throttle::install(config.session_key.master());
    match cli.command {
        Command::Serve => crate::startup::serve(config).await,
        Command::Migrate => {
            let n = crate::db::migrate(&config.database_url, config.today()).await?;
            println!("migrations applied: {n}");
            Ok(())
        }
        Command::SeedDemo => {
            crate::db::migrate(&config.database_url, config.today()).await?;
            let mut conn = diesel_async::AsyncPgConnection::establish(&config.database_url)
                .await
                .context("connecting to the database")?;
            let password = crate::demo::demo_password();
            let n = crate::demo::seed(&mut conn, &password).await?;
            crate::demo::seed_properties(&mut conn).await?;
            crate::archives::seed_demo(&mut conn, &config).await?;
            crate::keys::seed_demo(&mut conn, &config).await?;
            crate::violations::seed_demo(&mut conn, &config).await?;
            crate::complaints::seed_demo(&mut conn).await?;
            crate::meetings::seed_demo(&mut conn, &config).await?;
            crate::contracts::seed_demo(&mut conn, &config).await?;
            if n > 0 {
                println!("demo users created: {n}");
            }
            println!("demo sign-ins (password: {password}):");
            for (username, name, _) in crate::demo::DEMO_USERS {
                println!("  {username:<11} {name}");
            }
            Ok(())
        }
        Command::ImportHandbook {
            file,
            title,
            publish,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let docs = crate::handbook::import::parse(&text, &title);
            anyhow::ensure!(
                !docs.is_empty() && docs.iter().all(|d| !d.title.is_empty()),
                "no document found (give a title with --title for a text without headings)"
            );
            crate::db::migrate(&config.database_url, config.today()).await?;
            let mut conn = diesel_async::AsyncPgConnection::establish(&config.database_url).await?;
            let meta = crate::audit::Meta {
                ip: "cli".into(),
                ..Default::default()
            };
            let s = conn
                .transaction::<_, anyhow::Error, _>(async |conn| {
                    Ok(
                        crate::handbook::import_text(conn, &docs, &meta, publish, config.today())
                            .await?,
                    )
                })
                .await?;
            println!(
                "documents: {} new, {} changed (drafted), {} unchanged; {} published; \
                 {} left alone (a draft awaiting approval), {} left alone (a revision in progress)",
                s.created, s.drafted, s.unchanged, s.published, s.waiting, s.revising
            );
            Ok(())
        }
        Command::Unseal => {
            let mut conn = diesel_async::AsyncPgConnection::establish(&config.database_url)
                .await
                .context("connecting to the database")?;
            let n = crate::db::sealed::unseal_stored(&mut conn).await?;
            println!("values unsealed: {n}");
            Ok(())
        }
        Command::RunJob { name } => {
            if name == "mail.send" {
                let pool = crate::db::pool(&config.database_url, 2)?;
                let worker = crate::mail::Worker::new(pool, &config)?
                    .context("SMTP_URL is not set: mail cannot be sent")?;
                worker.drain().await?;
                println!("mail.send: done");
                return Ok(());
            }
            let mut conn = diesel_async::AsyncPgConnection::establish(&config.database_url)
                .await
                .context("connecting to the database")?;
            let summary =
                crate::jobs::run_now(&mut conn, &name, chrono::Utc::now(), &config).await?;
            println!("{name}: {summary}");
            Ok(())
        }
        Command::ResetUser { username } => {
            let username = username.trim().to_lowercase();
            crate::db::migrate(&config.database_url, config.today()).await?;
            let mut conn = diesel_async::AsyncPgConnection::establish(&config.database_url)
                .await
                .context("connecting to the database")?;
            let user = queries::find_by_username(&mut conn, &username)
                .await?
                .with_context(|| format!("no account {username}"))?;
            let otp = password::one_time();
            let hash = password::hash(otp.clone()).await?;
            let meta = crate::audit::Meta {
                ip: "cli".into(),
                ..Default::default()
            };
            conn.transaction::<_, anyhow::Error, _>(async |conn| {
                crate::users::reset_password(conn, &user, &hash, &meta).await?;
                crate::users::reset_second_factor(conn, user.id, &meta).await?;
                Ok(())
            })
            .await?;
            println!("{username}: one-time password {otp} (to change at sign-in)");
            println!("second factor off, sessions ended, sign-in lock lifted");
            if !user.active {
                println!(
                    "the account is deactivated: reactivate it at /admin/users/{}",
                    user.id
                );
            }
            Ok(())
        }
        Command::CreateUser {
            username,
            name,
            email,
            roles,
        } => {
            let username = username.trim().to_lowercase();
            anyhow::ensure!(
                forms::valid_username(&username),
                "invalid username: use 2–32 of a-z 0-9 . _ -"
            );
            anyhow::ensure!(forms::valid_email(&email), "invalid email address");
            for r in &roles {
                anyhow::ensure!(Role::from_code(r).is_some(), "unknown role {r}");
            }
            crate::db::migrate(&config.database_url, config.today()).await?;
            let mut conn = diesel_async::AsyncPgConnection::establish(&config.database_url).await?;
            let otp = password::one_time();
            let hash = password::hash(otp.clone()).await?;
            let email = email.trim();
            use diesel_async::AsyncConnection;
            conn.transaction::<_, anyhow::Error, _>(async |conn| {
                // Under the address's lock, as the account form checks it.
                anyhow::ensure!(
                    !queries::email_in_use_locked(conn, email, None).await?,
                    "another active account has the address {email}: each account needs its owner's own"
                );
                let id = queries::create(
                    conn,
                    &NewUser {
                        username: &username,
                        display_name: name.trim(),
                        email,
                        locale: "zh-CN",
                        active: true,
                        password_hash: &hash,
                        must_change_password: true,
                    },
                )
                .await
                .context("creating the user (is the username taken?)")?;
                queries::set_roles(conn, id, &roles).await?;
                crate::audit::record(
                    conn,
                    &crate::audit::Meta {
                        ip: "cli".into(),
                        ..Default::default()
                    },
                    "user.created",
                    Some(("user", id.to_string())),
                    serde_json::json!({ "username": username, "roles": roles, "source": "create-user" }),
                )
                .await?;
                Ok(())
            })
            .await?;
            println!(
                "created {username}; one-time password (must be changed at first sign-in): {otp}"
            );
            Ok(())
        }
    }
}
