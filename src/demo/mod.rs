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

/// A demo estate: two buildings of rooms, a facility room, a few residents.
/// Only when there is no project yet. The ID numbers are made up but valid.
pub async fn seed_properties(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    use crate::properties::{models::NewResident, models::NewRoom, queries as p};
    if !p::projects(conn).await?.is_empty() {
        return Ok(());
    }
    let project = p::create_project(conn, "碧水花园", "深圳市南山区碧水路 88 号").await?;
    for code in ["1", "2"] {
        let building = p::create_building(conn, project, code, "").await?;
        let mut numbers = Vec::new();
        for unit in ["1", "2"] {
            for floor in 1..=6 {
                for i in 1..=2 {
                    numbers.push((unit, floor, format!("{floor}{i:02}")));
                }
            }
        }
        let rooms: Vec<NewRoom> = numbers
            .iter()
            .map(|(unit, floor, number)| NewRoom {
                building_id: building,
                kind: "home",
                unit,
                floor: *floor,
                number,
                name: "",
            })
            .collect();
        p::insert_rooms(conn, &rooms).await?;
        p::insert_rooms(
            conn,
            &[NewRoom {
                building_id: building,
                kind: "facility",
                unit: "",
                floor: -1,
                number: "B101",
                name: "配电房",
            }],
        )
        .await?;
        if code == "1" {
            let people = [
                (
                    "301",
                    "owner",
                    "王小明",
                    "13812345678",
                    "440305199003071236",
                ),
                ("302", "owner", "李华", "13987654321", "320102198512150045"),
                ("302", "tenant", "赵六", "13700001111", ""),
            ];
            for (number, kind, name, phone, id) in people {
                if let Some(room) = p::find_room(conn, building, "1", number).await? {
                    p::insert_resident(
                        conn,
                        &NewResident {
                            room_id: room.id,
                            kind,
                            name,
                            phone,
                            id_type: "resident_id",
                            id_number: id.into(),
                            moved_in: None,
                        },
                    )
                    .await?;
                }
            }
        }
    }
    Ok(())
}
