//! Roles (岗位) and the rights they carry. Every check of "may this user …" goes
//! through [`CurrentUser::may`] so the table below is the one place to read it.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Employee,
    CsSpecialist,
    ArchiveKeeper,
    CsSupervisor,
    CenterManager,
    EngineeringManager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Employee,
        Role::CsSpecialist,
        Role::ArchiveKeeper,
        Role::CsSupervisor,
        Role::CenterManager,
        Role::EngineeringManager,
        Role::Admin,
    ];

    /// The code stored in `roles.code`.
    pub fn code(self) -> &'static str {
        match self {
            Role::Employee => "employee",
            Role::CsSpecialist => "cs_specialist",
            Role::ArchiveKeeper => "archive_keeper",
            Role::CsSupervisor => "cs_supervisor",
            Role::CenterManager => "center_manager",
            Role::EngineeringManager => "engineering_manager",
            Role::Admin => "admin",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Catalog key of the role's name.
    pub fn name_key(self) -> String {
        format!("role.{}", self.code())
    }

    /// Catalog key of what the role does, shown on the home page.
    pub fn duties_key(self) -> String {
        format!("role_duties.{}", self.code())
    }
}

/// What a user may do. Features add their rights here and grant them in [`granted`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Right {
    /// Create, edit, deactivate users and give them roles.
    ManageUsers,
    /// Read the audit log.
    ViewAudit,
    /// See projects, buildings, rooms and residents (personal data masked).
    ViewProperties,
    /// Create projects, buildings and rooms, import room lists, record residents.
    ManageProperties,
    /// See residents' ID numbers and phones in full (each view is audited).
    RevealPersonalData,
    /// Import, edit and publish the handbook.
    EditHandbook,
    /// See who has and has not confirmed a handbook version (签收).
    ViewAckReport,
    /// Read every mail in the outbox and retry dead ones.
    ViewMail,
    /// See the runs of the periodic jobs.
    ViewJobs,
    /// See every approval request, not only one's own or assigned ones.
    ViewAllRequests,
    /// File one's own leave requests.
    FileLeave,
    /// See everyone's approved leave: calendar, list, export, slips.
    ViewLeaveRegister,
    /// Record leave after the fact (sick leave, an emergency).
    RecordLeave,
    /// See resident archives, their documents and the borrow register (住户档案).
    ViewArchives,
    /// Open archives, file documents and scans, record events.
    EditArchives,
    /// Ask to consult or borrow an archive's documents for one's work
    /// (住户档案管理规定 3(1): 各岗位人员因工作需要可查阅或借出档案).
    RequestArchiveBorrow,
    /// The archive keeper's work: hand-overs and returns, holds, the retention
    /// schedule, destruction lists.
    KeepArchives,
    /// Re-check the content of a destruction (客户服务部主管复核销毁内容).
    ReviewDestruction,
    /// Add document types to the archives' checklists.
    ManageDocTypes,
    /// See the key cabinet: inventory, every loan, copy requests, counts, registers.
    ViewKeys,
    /// Keep the key cabinet: create key sets, store, issue to owners, hand over and
    /// take back loans, record copies and shift counts.
    ManageKeys,
    /// Hand over and take back the keys the engineering department keeps
    /// (钥匙管理规定 3(2)①: 设施设备房钥匙由工程部保管), on loans of those keys
    /// only (`keys::loans::may_hand`).
    HandEngineeringKeys,
    /// Ask to borrow keys for one's own work, and see one's own loans.
    RequestKeyLoan,
    /// Register the visitors one received (来访客户登记表) and follow them up.
    RecordVisits,
    /// See and follow up everyone's visitors, print and export the register.
    ViewVisits,
    /// Open the morning meeting sheet (晨会): what every register has waiting.
    ViewMorningSheet,
    /// Read the meeting records: minutes and attendance (every member of staff
    /// attends, and may read what was decided).
    ViewMeetings,
    /// Write a meeting's record after it was held (the supervisors and the
    /// centre manager, who hold the meetings).
    RecordMeetings,
    /// Record the customers' matters one takes (意见、要求、投诉、咨询) and follow
    /// up those one recorded or was given.
    RecordComplaints,
    /// See every matter, assign them, read the month's statistics.
    ManageComplaints,
    /// See one's own confirmed breaches (违规处罚).
    ViewOwnViolations,
    /// See everyone's breaches, record them, confirm or dismiss proposals
    /// (客服主管: 全面负责部门的考核工作; the centre manager above them).
    ManageViolations,
    /// Read the sales contracts register (营销部客服: 合同的备案及作废), follow each
    /// contract's steps, and the month's report to finance.
    ViewContracts,
    /// Record contracts and their steps: filing, the mortgage's agent and loan,
    /// the customer told and collecting, voiding (人员构架、职责分工 3, 4: the
    /// specialists who file contracts and follow mortgages, and their supervisor).
    RecordContracts,
    /// Correct what a filed contract says of the sale (its number, unit,
    /// buyer, signing date, area, price): it is on record at the housing
    /// bureau, and the certificate is later handed to the buyer it names; the
    /// supervisor, not the specialist who follows it.
    CorrectFiledContracts,
}

/// The rights table: which roles carry which right.
pub fn granted(role: Role, right: Right) -> bool {
    use Right::*;
    use Role::*;
    match right {
        ManageUsers | ViewAudit | EditHandbook | ViewMail | ViewJobs | ViewAllRequests => {
            role == Admin
        }
        ViewAckReport => matches!(role, Admin | CsSupervisor),
        ViewProperties => role != Employee,
        ManageProperties => matches!(role, CsSpecialist | ArchiveKeeper | Admin),
        RevealPersonalData => matches!(role, CsSpecialist | ArchiveKeeper | CenterManager),
        FileLeave => true,
        ViewLeaveRegister => matches!(role, CsSupervisor | CenterManager | Admin),
        // The centre manager records a supervisor's own (record_self).
        RecordLeave => matches!(role, CsSupervisor | CenterManager),
        ViewArchives => matches!(
            role,
            CsSpecialist | ArchiveKeeper | CsSupervisor | CenterManager
        ),
        EditArchives => matches!(role, CsSpecialist | ArchiveKeeper),
        RequestArchiveBorrow => true,
        KeepArchives => role == ArchiveKeeper,
        ReviewDestruction => role == CsSupervisor,
        ManageDocTypes => role == Admin,
        ViewKeys => matches!(
            role,
            CsSpecialist | CsSupervisor | EngineeringManager | CenterManager | Admin
        ),
        ManageKeys => matches!(role, CsSpecialist | CsSupervisor),
        HandEngineeringKeys => role == EngineeringManager,
        RequestKeyLoan => true,
        RecordVisits => matches!(role, Employee | CsSpecialist | ArchiveKeeper | CsSupervisor),
        ViewVisits => matches!(role, CsSupervisor | CenterManager),
        ViewMorningSheet => matches!(role, ArchiveKeeper | CsSupervisor | CenterManager),
        ViewMeetings => true,
        RecordMeetings => matches!(role, CsSupervisor | CenterManager),
        RecordComplaints => {
            matches!(role, Employee | CsSpecialist | ArchiveKeeper | CsSupervisor)
        }
        ManageComplaints => matches!(role, CsSupervisor | CenterManager),
        ViewOwnViolations => true,
        ManageViolations => matches!(role, CsSupervisor | CenterManager),
        ViewContracts => matches!(role, CsSpecialist | CsSupervisor | CenterManager),
        RecordContracts => matches!(role, CsSpecialist | CsSupervisor),
        CorrectFiledContracts => matches!(role, CsSupervisor),
    }
}

/// The signed-in user as every request sees it, read fresh from the database with
/// the session (see `auth::session_store`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub locale: crate::i18n::Locale,
    pub must_change_password: bool,
    /// Role codes; unknown codes (roles added as data) carry no built-in right.
    pub roles: Vec<String>,
    /// Approval tasks waiting on this user (or on whom they stand in for), for
    /// the count in the navigation.
    #[serde(default)]
    pub inbox_count: i64,
    /// Handbook versions this user must still acknowledge (签收), for the banner
    /// every page shows; read with the session, in the same statement.
    #[serde(default)]
    pub pending_acks: Vec<crate::handbook::queries::PendingAck>,
}

impl CurrentUser {
    pub fn roles(&self) -> impl Iterator<Item = Role> + '_ {
        self.roles.iter().filter_map(|c| Role::from_code(c))
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles().any(|r| r == role)
    }

    pub fn may(&self, right: Right) -> bool {
        self.roles().any(|r| granted(r, right))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[Role]) -> CurrentUser {
        CurrentUser {
            id: 1,
            username: "u".into(),
            display_name: "U".into(),
            email: "u@example.com".into(),
            locale: Default::default(),
            must_change_password: false,
            roles: roles.iter().map(|r| r.code().to_owned()).collect(),
            inbox_count: 0,
            pending_acks: Vec::new(),
        }
    }

    #[test]
    fn only_admins_manage_users() {
        assert!(user(&[Role::Admin]).may(Right::ManageUsers));
        for r in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
            assert!(!user(&[r]).may(Right::ManageUsers), "{r:?}");
        }
    }

    #[test]
    fn admins_edit_the_handbook_and_supervisors_see_who_acknowledged() {
        for r in Role::ALL {
            assert_eq!(
                user(&[r]).may(Right::EditHandbook),
                r == Role::Admin,
                "{r:?}"
            );
            assert_eq!(
                user(&[r]).may(Right::ViewAckReport),
                matches!(r, Role::Admin | Role::CsSupervisor),
                "{r:?}"
            );
        }
    }

    #[test]
    fn rights_add_up_over_several_roles() {
        let u = user(&[Role::Employee, Role::Admin]);
        assert!(u.may(Right::ViewAudit));
        assert!(u.has_role(Role::Employee));
    }

    #[test]
    fn role_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(Role::from_code("nobody"), None);
    }
}
