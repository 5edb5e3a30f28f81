import { appRole, serviceRole } from "../schema/policies";

/** The NOLOGIN role withRls switches to: owns nothing, no BYPASSRLS, scoped by policies. */
export const APP_ROLE = appRole.name;
/** The role whose policies see every row; the migrating login role is a member (service work). */
export const SERVICE_ROLE = serviceRole.name;
/** SQL function returning the current user id (app.user_id, else request.jwt.claims ->> 'sub'). */
export const CURRENT_USER_ID_FN = "shared_db.current_user_id()";
/** Transaction-local settings withRls writes. */
export const USER_ID_SETTING = "app.user_id";
export const CLAIMS_SETTING = "request.jwt.claims";
