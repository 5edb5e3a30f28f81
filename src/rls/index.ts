export { withRls, type RlsContext } from "./with-rls";
export { APP_ROLE, SERVICE_ROLE, CURRENT_USER_ID_FN, USER_ID_SETTING, CLAIMS_SETTING } from "./names";
export { appRlsInput, appRlsSql, enableAppRls, type AppRlsInput } from "./app-tables";
