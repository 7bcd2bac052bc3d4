//! `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` (RFC 7644 §4,
//! RFC 7643 §5-7): exactly what this server supports, no more.

use serde_json::{Value, json};

use super::{CORE_USER, EXTENSION, MAX_COUNT};

const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [SPC_SCHEMA],
        "documentationUri": "https://github.com/raven-console/raven-console#scim",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_COUNT},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "API key",
            "description": "A raven-server API key (rk_live_...) as `Authorization: Bearer`, \
                            made by `raven-server key create`",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    })
}

pub fn user_resource_type(base: &str) -> Value {
    json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "A user of the tenant the API key belongs to",
        "schema": CORE_USER,
        "schemaExtensions": [{"schema": EXTENSION, "required": false}],
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
    })
}

#[allow(clippy::too_many_arguments)]
fn attribute(
    name: &str,
    kind: &str,
    description: &str,
    required: bool,
    case_exact: bool,
    uniqueness: &str,
    multi: bool,
    sub: Option<Value>,
) -> Value {
    let mut a = json!({
        "name": name,
        "type": kind,
        "multiValued": multi,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": uniqueness,
    });
    if let Some(sub) = sub {
        a["subAttributes"] = sub;
    }
    a
}

fn simple(name: &str, kind: &str, description: &str) -> Value {
    attribute(name, kind, description, false, false, "none", false, None)
}

pub fn user_schema(base: &str) -> Value {
    let mut roles_value = simple("value", "string", "The role: admin, member or viewer");
    roles_value["canonicalValues"] = json!(["admin", "member", "viewer"]);
    let mut email_type = simple("type", "string", "Always work");
    email_type["canonicalValues"] = json!(["work"]);
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": CORE_USER,
        "name": "User",
        "description": "User Account",
        "attributes": [
            attribute("userName", "string",
                "Unique within the tenant, ignoring case; the email unless set",
                true, false, "server", false, None),
            attribute("name", "complex", "The user's name", false, false, "none", false,
                Some(json!([simple("formatted", "string", "The display name")]))),
            simple("displayName", "string", "The display name, at most 200 characters"),
            attribute("emails", "complex",
                "One email address, unique within the tenant, stored lower-cased",
                false, false, "none", true,
                Some(json!([simple("value", "string", "The address"), email_type]))),
            // Every user has a status and a role: neither can be removed.
            attribute("active", "boolean", "Whether the user is active (status)",
                true, false, "none", false, None),
            attribute("roles", "complex", "One role", true, false, "none", true,
                Some(json!([roles_value]))),
        ],
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{CORE_USER}")},
    })
}

pub fn extension_schema(base: &str) -> Value {
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": EXTENSION,
        "name": "RavenUser",
        "description": "What raven-server keeps of a user beyond the core schema",
        "attributes": [
            simple("avatar", "string", "The avatar's URL"),
            // Every user has both, if empty: required, and removing one empties it.
            attribute("metadata", "complex",
                "A JSON object of at most 64 KiB (the Raven dialect's metadata), replaced whole",
                true, false, "none", false, Some(json!([]))),
            attribute("preferences", "complex",
                "A JSON object of at most 64 KiB (the EAI dialect's preferences), replaced whole",
                true, false, "none", false, Some(json!([]))),
        ],
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{EXTENSION}")},
    })
}

/// A ListResponse of `resources`, all on one page.
pub fn list(resources: Vec<Value>) -> Value {
    let n = resources.len();
    json!({
        "schemas": [super::LIST_RESPONSE],
        "totalResults": n,
        "startIndex": 1,
        "itemsPerPage": n,
        "Resources": resources,
    })
}
