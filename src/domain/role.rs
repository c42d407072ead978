//! The roles a user can hold.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Coordinator,
    DesignatedDoctor,
    PanelChair,
    PanelMember,
}

impl Role {
    pub const ALL: [Role; 5] =
        [Role::Admin, Role::Coordinator, Role::DesignatedDoctor, Role::PanelChair, Role::PanelMember];

    /// The stored and command-line name, e.g. `designated_doctor`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::DesignatedDoctor => "designated_doctor",
            Role::PanelChair => "panel_chair",
            Role::PanelMember => "panel_member",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Coordinator => "CDOP coordinator",
            Role::DesignatedDoctor => "Designated doctor",
            Role::PanelChair => "Panel chair",
            Role::PanelMember => "Panel member",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown role `{0}`: expected one of admin, coordinator, designated_doctor, panel_chair, panel_member"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().ok(), Some(role));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
