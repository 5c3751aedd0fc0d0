//! Demo data for trying kefu out: one user per role. Only `kefu seed-demo` makes
//! it; no migration ever does.
use diesel_async::AsyncPgConnection;
use serde_json::json;

use crate::auth::{password, Role};
use crate::users::{models::NewUser, queries};

/// username, display name, role.
pub const DEMO_USERS: [(&str, &str, Role); 7] = [
    ("admin", "系统管理员 周敏", Role::Admin),
    ("keeper", "客服主任 王芳", Role::ArchiveKeeper),
    ("supervisor", "客服主管 李强", Role::CsSupervisor),
    ("manager", "服务中心经理 张伟", Role::CenterManager),
    ("engineer", "工程部经理 刘洋", Role::EngineeringManager),
    ("specialist", "客服专员 陈静", Role::CsSpecialist),
    ("employee", "员工 赵磊", Role::Employee),
];

pub fn demo_password() -> String {
    std::env::var("KEFU_DEMO_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "kefu-demo".into())
}

/// Creates the demo users that do not exist yet; returns how many were created.
/// Every demo user also holds the employee role, as every staff member does.
pub async fn seed(conn: &mut AsyncPgConnection, password: &str) -> anyhow::Result<usize> {
    let hash = password::hash(password.to_owned()).await?;
    let mut created = 0;
    for (username, name, role) in DEMO_USERS {
        if queries::find_by_username(conn, username).await?.is_some() {
            continue;
        }
        let email = format!("{username}@kefu.example.com");
        let id = queries::create(
            conn,
            &NewUser {
                username,
                display_name: name,
                email: &email,
                locale: "zh-CN",
                active: true,
                password_hash: &hash,
                must_change_password: false,
            },
        )
        .await?;
        let mut roles = vec![role.code().to_owned()];
        if role != Role::Employee {
            roles.insert(0, Role::Employee.code().to_owned());
        }
        queries::set_roles(conn, id, &roles).await?;
        crate::audit::record(
            conn,
            &crate::audit::Meta {
                ip: "cli".into(),
                ..Default::default()
            },
            "user.created",
            Some(("user", id.to_string())),
            json!({ "username": username, "roles": roles, "source": "seed-demo" }),
        )
        .await?;
        created += 1;
    }
    Ok(created)
}
