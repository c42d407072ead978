//! Coded values of the notification: sex, ethnicity, place of death, JAR criteria. Stored as
//! their codes; shown with their labels.

macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(code: &str) -> Option<$name> {
                let code = code.trim();
                $name::ALL.iter().copied().find(|v| v.code().eq_ignore_ascii_case(code))
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum!(
    /// Sex as recorded on the notification.
    Sex {
        Female = "female", "Female";
        Male = "male", "Male";
        Indeterminate = "indeterminate", "Indeterminate";
        NotKnown = "not_known", "Not known";
    }
);

coded_enum!(
    /// NHS ethnic category codes (NHS Data Dictionary), with Z not stated and 99 not known.
    Ethnicity {
        WhiteBritish = "A", "White – British";
        WhiteIrish = "B", "White – Irish";
        WhiteOther = "C", "White – any other White background";
        MixedWhiteBlackCaribbean = "D", "Mixed – White and Black Caribbean";
        MixedWhiteBlackAfrican = "E", "Mixed – White and Black African";
        MixedWhiteAsian = "F", "Mixed – White and Asian";
        MixedOther = "G", "Mixed – any other mixed background";
        Indian = "H", "Asian or Asian British – Indian";
        Pakistani = "J", "Asian or Asian British – Pakistani";
        Bangladeshi = "K", "Asian or Asian British – Bangladeshi";
        AsianOther = "L", "Asian or Asian British – any other Asian background";
        Caribbean = "M", "Black or Black British – Caribbean";
        African = "N", "Black or Black British – African";
        BlackOther = "P", "Black or Black British – any other Black background";
        Chinese = "R", "Other ethnic groups – Chinese";
        OtherEthnicGroup = "S", "Other ethnic groups – any other ethnic group";
        NotStated = "Z", "Not stated";
        NotKnown = "99", "Not known";
    }
);

coded_enum!(
    /// Where the death happened (category; any detail is identifying and sealed).
    PlaceOfDeath {
        Home = "home", "Child's usual home";
        OtherResidence = "other_residence", "Another home or residence";
        HospitalEmergency = "hospital_ed", "Hospital – emergency department";
        HospitalWard = "hospital_ward", "Hospital – ward";
        HospitalNeonatal = "hospital_neonatal", "Hospital – neonatal unit";
        HospitalPicu = "hospital_picu", "Hospital – paediatric intensive care";
        Hospice = "hospice", "Hospice";
        PublicPlace = "public_place", "Public place";
        Road = "road", "Road or highway";
        Water = "water", "Water (river, sea, lake, pool)";
        InTransit = "in_transit", "In transit (for example, in an ambulance)";
        Custody = "custody", "Custody or secure setting";
        Abroad = "abroad", "Abroad";
        Other = "other", "Other";
        NotKnown = "not_known", "Not known";
    }
);

coded_enum!(
    /// Criteria that trigger a Joint Agency Response (statutory guidance, 2018).
    JarCriterion {
        ExternalCauses = "external_causes", "Is or could be due to external causes";
        SuddenUnexplained = "sudden_unexplained", "Is sudden and there is no immediately apparent cause (including SUDI/SUDIC)";
        CustodyOrDetention = "custody_or_detention", "Occurs in custody, or while detained under the Mental Health Act";
        Suspicious = "suspicious", "The initial circumstances raise any suspicion that the death may not have been natural";
        HomeStillbirth = "home_stillbirth", "A stillbirth where no healthcare professional was in attendance";
    }
);

coded_enum!(
    /// Yes / no / not known, for questions where "not known" is an honest answer.
    YesNoUnknown {
        Yes = "yes", "Yes";
        No = "no", "No";
        NotKnown = "not_known", "Not known";
    }
);

coded_enum!(
    /// Whether the NHS number is known and, when it is not, the national reason.
    NhsNumberStatus {
        Known = "known", "Known";
        NotResident = "not_resident", "Not known: the child was not resident in England";
        NotAvailable = "not_available", "Not known: the number is not currently available";
    }
);

coded_enum!(
    /// The unit of an approximate age, when the date of birth is not known.
    AgeUnit {
        Days = "days", "days";
        Weeks = "weeks", "weeks";
        Months = "months", "months";
        Years = "years", "years";
    }
);

coded_enum!(
    /// Data-quality items a coordinator should follow up: identifying details not known at
    /// notification.
    DataQuality {
        NhsNumber = "nhs_number", "NHS number not known";
        DateOfBirth = "date_of_birth", "Date of birth not known (age is approximate)";
        Address = "address", "Home address not known";
        Postcode = "postcode", "Postcode not known";
    }
);

coded_enum!(
    /// Where an agency's form request stands ("overdue" is worked out from the due date).
    RequestStatus {
        Requested = "requested", "Not started";
        InProgress = "in_progress", "In progress";
        Submitted = "submitted", "Submitted";
        Withdrawn = "withdrawn", "Withdrawn";
    }
);

impl RequestStatus {
    /// Still waiting for the agency.
    pub fn is_open(self) -> bool {
        matches!(self, RequestStatus::Requested | RequestStatus::InProgress)
    }
}

coded_enum!(
    /// The kind of agency asked for a form (agency returns are reported by type).
    AgencyType {
        Health = "health", "Health (hospital, community health or GP)";
        Ambulance = "ambulance", "Ambulance service";
        Police = "police", "Police";
        SocialCare = "social_care", "Children's social care";
        Education = "education", "School or education";
        Coroner = "coroner", "Coroner";
        Other = "other", "Other agency";
    }
);

coded_enum!(
    /// Why a request was withdrawn (a code, so no person is named in a free-text reason).
    WithdrawReason {
        NoInvolvement = "no_involvement", "The agency had no involvement with the child or family";
        SentInError = "sent_in_error", "Sent to the wrong person or agency";
        Duplicate = "duplicate", "Another request covers the same information";
        ProvidedOtherwise = "provided_otherwise", "The information was provided another way";
        Retention = "retention", "The case's identifying data was destroyed under the retention policy";
    }
);

coded_enum!(
    /// Whether the information asked for on a case has come in.
    InformationStatus {
        NoneRequested = "none", "No information requested yet";
        Outstanding = "outstanding", "Information outstanding";
        Complete = "complete", "Information complete";
    }
);

/// Whether a death was expected, for a page: `None` when imported history did not record it.
pub fn expected_label(expected: Option<bool>) -> &'static str {
    match expected {
        Some(true) => "Yes",
        Some(false) => "No",
        None => "Not known (not recorded by the previous system)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for e in Ethnicity::ALL {
            assert_eq!(Ethnicity::parse(e.code()), Some(*e));
        }
        assert_eq!(Ethnicity::parse("a"), Some(Ethnicity::WhiteBritish));
        assert_eq!(Ethnicity::parse("I"), None, "I and O are not NHS ethnic codes");
        assert_eq!(Sex::parse("female"), Some(Sex::Female));
        assert_eq!(PlaceOfDeath::parse("hospital_picu"), Some(PlaceOfDeath::HospitalPicu));
    }
}

coded_enum!(
    /// Where a case is in the workflow.
    CaseStatus {
        PendingTriage = "pending_triage", "Waiting for triage";
        Notified = "notified", "Notified";
        GatheringInformation = "gathering_information", "Gathering information";
        ReadyForReview = "ready_for_review", "Ready for review";
        ReviewScheduled = "review_scheduled", "Review scheduled";
        Reviewed = "reviewed", "Reviewed";
        Closed = "closed", "Closed";
        Rejected = "rejected", "Rejected at triage";
        Merged = "merged", "Merged into another case";
    }
);

coded_enum!(
    /// Whether a case's NHS number matched an earlier case, and what a coordinator decided.
    DuplicateStatus {
        Unflagged = "none", "Not a duplicate";
        Flagged = "flagged", "Possible duplicate";
        Possible = "possible", "Possible duplicate (same date of death and area)";
        ConfirmedDistinct = "confirmed_distinct", "Confirmed as a separate case";
        Merged = "merged", "Merged";
    }
);

impl DuplicateStatus {
    /// Whether a coordinator still has to decide (same NHS number, or a hint).
    pub fn is_open_code(code: &str) -> bool {
        matches!(DuplicateStatus::parse(code), Some(DuplicateStatus::Flagged | DuplicateStatus::Possible))
    }
}

coded_enum!(
    /// How a notification arrived.
    Source {
        Form = "form", "Notification form";
        Api = "api", "API";
        Public = "public", "Public notification";
        Demo = "demo", "Synthetic demonstration data";
        Import = "import", "Imported from the panel's previous system";
    }
);

coded_enum!(
    /// Why a public notification was rejected at triage (coded: no free text to leak).
    RejectionReason {
        Duplicate = "duplicate", "Already notified";
        NotChildDeath = "not_child_death", "Not the death of a child";
        OutOfArea = "out_of_area", "The child did not live in our areas";
        TestOrNuisance = "test_or_nuisance", "A test or nuisance submission";
        Other = "other", "Another reason";
    }
);

coded_enum!(
    /// The two kinds of meeting in the review.
    MeetingKind {
        Cdrm = "cdrm", "Child death review meeting (CDRM)";
        Panel = "panel", "CDOP panel meeting";
    }
);

coded_enum!(
    /// Whether a meeting is still to happen.
    MeetingStatus {
        Scheduled = "scheduled", "Scheduled";
        Held = "held", "Held";
        Cancelled = "cancelled", "Cancelled";
    }
);

coded_enum!(
    /// What happened to a case on a meeting's agenda.
    AgendaOutcome {
        Pending = "pending", "Not yet discussed";
        Reviewed = "reviewed", "Reviewed";
        Deferred = "deferred", "Deferred";
        Moved = "moved", "Moved to another meeting";
    }
);

coded_enum!(
    /// Why a case was deferred or moved to another meeting (a code, so no reason names anyone).
    ReviewDelay {
        AwaitingPostMortem = "awaiting_post_mortem", "Awaiting the post-mortem report";
        AwaitingInquest = "awaiting_inquest", "Awaiting the inquest";
        AwaitingCriminal = "awaiting_criminal_proceedings", "Awaiting criminal proceedings";
        AwaitingOtherReview = "awaiting_other_review", "Awaiting another review (for example a safeguarding practice review)";
        InformationMissing = "information_missing", "Information missing";
        NotReached = "not_reached", "Not reached in the time available";
        AttendeesUnavailable = "attendees_unavailable", "The right people could not attend";
        BetterSuited = "better_suited", "Better suited to another meeting (for example a themed panel)";
    }
);

coded_enum!(
    /// Whether a redacted agency narrative may enter the case pack.
    NarrativeStatus {
        Pending = "pending", "To check";
        Confirmed = "confirmed", "Checked and confirmed";
        Excluded = "excluded", "Left out of the pack";
    }
);

coded_enum!(
    /// Where a revision of a case's analysis stands.
    AnalysisStatus {
        Draft = "draft", "Draft";
        Signed = "signed", "Signed off";
        Superseded = "superseded", "Replaced by an amendment";
    }
);

coded_enum!(
    /// Where an action from the panel's recommendations stands.
    ActionStatus {
        Open = "open", "Open";
        InProgress = "in_progress", "In progress";
        Implemented = "implemented", "Implemented";
        ClosedNoAction = "closed_no_action", "Closed with no action";
    }
);

impl ActionStatus {
    /// Still to be done (reminded when overdue).
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Open | ActionStatus::InProgress)
    }
}

coded_enum!(
    /// Why a case moves to another area (kept coded: the audit trail holds no free text).
    MoveReason {
        ResidenceCorrected = "residence_corrected", "The child's normal residence was recorded in the wrong area";
        AreaReorganised = "area_reorganised", "The areas were reorganised (split or merged)";
        AgreedTransfer = "agreed_transfer", "The panels agreed the other area should review the death";
        NotifiedInError = "notified_in_error", "It was notified to the wrong panel";
    }
);

coded_enum!(
    /// A contact with the bereaved family, as logged.
    ContactKind {
        Call = "call", "Telephone call";
        Visit = "visit", "Visit";
        Letter = "letter", "Letter";
        Email = "email", "Email";
        Meeting = "meeting", "Meeting";
        Question = "question", "Question from the family to the panel";
        Feedback = "feedback", "Outcome of the review fed back to the family";
    }
);
