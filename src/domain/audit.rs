//! The audit vocabulary: who did what to which object. Events never carry identifying data about
//! a child or family; objects are named by ids and case references.

use std::fmt;

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User(i64),
    /// A user acting through an API token.
    Token {
        token_id: i64,
        user_id: i64,
    },
    /// Someone without an account (a sign-in attempt, a public notification).
    Anonymous,
    /// The service itself (background jobs, bootstrap).
    System,
    /// An operator at the command line.
    Cli,
}

impl Actor {
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User(id) | Actor::Token { user_id: id, .. } => Some(*id),
            _ => None,
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::User(id) => write!(f, "user:{id}"),
            Actor::Token { token_id, user_id } => write!(f, "token:{token_id}/user:{user_id}"),
            Actor::Anonymous => f.write_str("anonymous"),
            Actor::System => f.write_str("system"),
            Actor::Cli => f.write_str("cli"),
        }
    }
}

/// Every kind of event. The string form is what is stored and filtered on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    LoginSuccess,
    LoginFailure,
    Lockout,
    Logout,
    LogoutEverywhere,
    SessionExpired,
    PasswordChanged,
    PasswordReset,
    MfaEnabled,
    MfaDisabled,
    MfaReset,
    MfaFailure,
    RecoveryCodeUsed,
    UserCreated,
    UserDisabled,
    UserEnabled,
    UserRolesChanged,
    UserAreasChanged,
    UserDetailsChanged,
    AreaCreated,
    AreaRenamed,
    AreaStatusChanged,
    TokenCreated,
    TokenRevoked,
    AuditExported,
    CaseCreated,
    CaseAmended,
    CaseViewed,
    CaseSearched,
    CaseListIdentities,
    CaseRevealed,
    CaseApiRead,
    CaseExportedSealed,
    DuplicateFlagged,
    DuplicateConfirmedDistinct,
    DuplicateMerged,
    DuplicateMergeUndone,
    NotificationReceived,
    NotificationAccepted,
    NotificationRejected,
    MailFailed,
    MailRequeued,
    KeysRotated,
    ReferenceImported,
    FormRequested,
    FormLinkOpened,
    FormSaved,
    FormSubmitted,
    FormReminderSent,
    FormEscalated,
    FormLinkResent,
    FormWithdrawn,
    FormResponseRead,
    CaseStatusChanged,
}

impl AuditAction {
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::LoginSuccess,
        AuditAction::LoginFailure,
        AuditAction::Lockout,
        AuditAction::Logout,
        AuditAction::LogoutEverywhere,
        AuditAction::SessionExpired,
        AuditAction::PasswordChanged,
        AuditAction::PasswordReset,
        AuditAction::MfaEnabled,
        AuditAction::MfaDisabled,
        AuditAction::MfaReset,
        AuditAction::MfaFailure,
        AuditAction::RecoveryCodeUsed,
        AuditAction::UserCreated,
        AuditAction::UserDisabled,
        AuditAction::UserEnabled,
        AuditAction::UserRolesChanged,
        AuditAction::UserAreasChanged,
        AuditAction::UserDetailsChanged,
        AuditAction::AreaCreated,
        AuditAction::AreaRenamed,
        AuditAction::AreaStatusChanged,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
        AuditAction::AuditExported,
        AuditAction::CaseCreated,
        AuditAction::CaseAmended,
        AuditAction::CaseViewed,
        AuditAction::CaseSearched,
        AuditAction::CaseListIdentities,
        AuditAction::CaseRevealed,
        AuditAction::CaseApiRead,
        AuditAction::CaseExportedSealed,
        AuditAction::DuplicateFlagged,
        AuditAction::DuplicateConfirmedDistinct,
        AuditAction::DuplicateMerged,
        AuditAction::DuplicateMergeUndone,
        AuditAction::NotificationReceived,
        AuditAction::NotificationAccepted,
        AuditAction::NotificationRejected,
        AuditAction::MailFailed,
        AuditAction::MailRequeued,
        AuditAction::KeysRotated,
        AuditAction::ReferenceImported,
        AuditAction::FormRequested,
        AuditAction::FormLinkOpened,
        AuditAction::FormSaved,
        AuditAction::FormSubmitted,
        AuditAction::FormReminderSent,
        AuditAction::FormEscalated,
        AuditAction::FormLinkResent,
        AuditAction::FormWithdrawn,
        AuditAction::FormResponseRead,
        AuditAction::CaseStatusChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::LoginSuccess => "auth.login.success",
            AuditAction::LoginFailure => "auth.login.failure",
            AuditAction::Lockout => "auth.lockout",
            AuditAction::Logout => "auth.logout",
            AuditAction::LogoutEverywhere => "auth.logout_everywhere",
            AuditAction::SessionExpired => "auth.session.expired",
            AuditAction::PasswordChanged => "auth.password.changed",
            AuditAction::PasswordReset => "auth.password.reset",
            AuditAction::MfaEnabled => "auth.mfa.enabled",
            AuditAction::MfaDisabled => "auth.mfa.disabled",
            AuditAction::MfaReset => "auth.mfa.reset",
            AuditAction::MfaFailure => "auth.mfa.failure",
            AuditAction::RecoveryCodeUsed => "auth.mfa.recovery_code_used",
            AuditAction::UserCreated => "user.created",
            AuditAction::UserDisabled => "user.disabled",
            AuditAction::UserEnabled => "user.enabled",
            AuditAction::UserRolesChanged => "user.roles.changed",
            AuditAction::UserAreasChanged => "user.areas.changed",
            AuditAction::UserDetailsChanged => "user.details.changed",
            AuditAction::AreaCreated => "area.created",
            AuditAction::AreaRenamed => "area.renamed",
            AuditAction::AreaStatusChanged => "area.status.changed",
            AuditAction::TokenCreated => "token.created",
            AuditAction::TokenRevoked => "token.revoked",
            AuditAction::AuditExported => "audit.exported",
            AuditAction::CaseCreated => "case.created",
            AuditAction::CaseAmended => "case.amended",
            AuditAction::CaseViewed => "case.viewed",
            AuditAction::CaseSearched => "case.searched",
            AuditAction::CaseListIdentities => "case.list.identities_shown",
            AuditAction::CaseRevealed => "case.identity.revealed",
            AuditAction::CaseApiRead => "case.api.read",
            AuditAction::CaseExportedSealed => "case.exported_sealed",
            AuditAction::DuplicateFlagged => "case.duplicate.flagged",
            AuditAction::DuplicateConfirmedDistinct => "case.duplicate.confirmed_distinct",
            AuditAction::DuplicateMerged => "case.duplicate.merged",
            AuditAction::DuplicateMergeUndone => "case.duplicate.merge_undone",
            AuditAction::NotificationReceived => "notification.received",
            AuditAction::NotificationAccepted => "notification.accepted",
            AuditAction::NotificationRejected => "notification.rejected",
            AuditAction::MailFailed => "mail.failed",
            AuditAction::MailRequeued => "mail.requeued",
            AuditAction::KeysRotated => "keys.rotated",
            AuditAction::ReferenceImported => "reference.imported",
            AuditAction::FormRequested => "form.requested",
            AuditAction::FormLinkOpened => "form.link.opened",
            AuditAction::FormSaved => "form.saved",
            AuditAction::FormSubmitted => "form.submitted",
            AuditAction::FormReminderSent => "form.reminder.sent",
            AuditAction::FormEscalated => "form.escalated",
            AuditAction::FormLinkResent => "form.link.resent",
            AuditAction::FormWithdrawn => "form.withdrawn",
            AuditAction::FormResponseRead => "form.response.read",
            AuditAction::CaseStatusChanged => "case.status.changed",
        }
    }

    /// What happened, in words, for the audit trail page.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::LoginSuccess => "Signed in",
            AuditAction::LoginFailure => "Sign-in failed",
            AuditAction::Lockout => "Account locked after failed sign-ins",
            AuditAction::Logout => "Signed out",
            AuditAction::LogoutEverywhere => "Signed out everywhere",
            AuditAction::SessionExpired => "Session timed out",
            AuditAction::PasswordChanged => "Password changed",
            AuditAction::PasswordReset => "Password reset",
            AuditAction::MfaEnabled => "Two-factor authentication set up",
            AuditAction::MfaDisabled => "Two-factor authentication turned off",
            AuditAction::MfaReset => "Two-factor authentication reset",
            AuditAction::MfaFailure => "Wrong two-factor code",
            AuditAction::RecoveryCodeUsed => "Recovery code used",
            AuditAction::UserCreated => "User added",
            AuditAction::UserDisabled => "User disabled",
            AuditAction::UserEnabled => "User enabled",
            AuditAction::UserRolesChanged => "Roles changed",
            AuditAction::UserAreasChanged => "Areas changed",
            AuditAction::UserDetailsChanged => "Name or email changed",
            AuditAction::AreaCreated => "Area added",
            AuditAction::AreaRenamed => "Area renamed",
            AuditAction::AreaStatusChanged => "Area deactivated or reactivated",
            AuditAction::TokenCreated => "API token created",
            AuditAction::TokenRevoked => "API token revoked",
            AuditAction::AuditExported => "Audit trail exported",
            AuditAction::CaseCreated => "Notification recorded",
            AuditAction::CaseAmended => "Notification changed",
            AuditAction::CaseViewed => "Case viewed",
            AuditAction::CaseSearched => "Cases searched by NHS number",
            AuditAction::CaseListIdentities => "Shown with identities in a case list",
            AuditAction::CaseRevealed => "Identifying details shown",
            AuditAction::CaseApiRead => "Case read through the API",
            AuditAction::CaseExportedSealed => "Sealed record exported",
            AuditAction::DuplicateFlagged => "Flagged as a possible duplicate",
            AuditAction::DuplicateConfirmedDistinct => "Confirmed as a separate case",
            AuditAction::DuplicateMerged => "Duplicate merged",
            AuditAction::DuplicateMergeUndone => "Merge undone",
            AuditAction::NotificationReceived => "Public notification received",
            AuditAction::NotificationAccepted => "Notification accepted at triage",
            AuditAction::NotificationRejected => "Notification rejected at triage",
            AuditAction::MailFailed => "Email could not be sent",
            AuditAction::MailRequeued => "Email sent again",
            AuditAction::KeysRotated => "Keys rotated",
            AuditAction::ReferenceImported => "Reference data imported",
            AuditAction::FormRequested => "Information requested from an agency",
            AuditAction::FormLinkOpened => "Form opened from its emailed link",
            AuditAction::FormSaved => "Form answers saved",
            AuditAction::FormSubmitted => "Form submitted",
            AuditAction::FormReminderSent => "Reminder sent to the agency",
            AuditAction::FormEscalated => "Coordinators told of an overdue form",
            AuditAction::FormLinkResent => "Form link sent again (the old link stopped working)",
            AuditAction::FormWithdrawn => "Form request withdrawn",
            AuditAction::FormResponseRead => "Form answers read",
            AuditAction::CaseStatusChanged => "Case status changed",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.iter().copied().find(|a| a.as_str() == s)
    }
}

/// The value of `key` in an event's coded details (`key=value;key=value`), or "".
pub fn detail<'a>(details: &'a str, key: &str) -> &'a str {
    details.split(';').find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('='))).unwrap_or("")
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub actor: Actor,
    pub action: AuditAction,
    /// `user`, `area`, `token`, `case`, `session`, `mail`, `audit`, `keys`…
    pub object_type: &'static str,
    /// An id or case reference; never a name.
    pub object_ref: String,
    pub area_id: Option<i64>,
    pub request_id: String,
    /// Short, coded, non-identifying detail (e.g. `roles=coordinator,panel_chair`).
    pub details: String,
}

impl AuditEvent {
    pub fn new(
        actor: Actor,
        action: AuditAction,
        object_type: &'static str,
        object_ref: impl Into<String>,
    ) -> Self {
        AuditEvent {
            actor,
            action,
            object_type,
            object_ref: object_ref.into(),
            area_id: None,
            request_id: String::new(),
            details: String::new(),
        }
    }

    pub fn area(mut self, area_id: i64) -> Self {
        self.area_id = Some(area_id);
        self
    }

    pub fn request(mut self, request_id: &str) -> Self {
        self.request_id = request_id.to_string();
        self
    }

    pub fn details(mut self, details: impl Into<String>) -> Self {
        self.details = details.into();
        self
    }
}
