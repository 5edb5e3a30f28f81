/** Payloads shaped like Slack's Web API responses (conversations.list, users.list, conversations.history/replies). */
export const conversationsList = {
  ok: true,
  channels: [
    {
      id: "C0GENERAL",
      name: "general",
      is_channel: true,
      is_private: false,
      is_archived: false,
      is_member: true,
      created: 1690000000,
      num_members: 42,
      topic: { value: "Company-wide", creator: "U0ADA", last_set: 0 },
      purpose: { value: "Everything", creator: "U0ADA", last_set: 0 },
    },
    { id: "G0SECRET", name: "secret", is_group: true, is_private: true, is_archived: false, is_member: true, created: 1690000100, num_members: 3 },
    { id: "D0DM", is_im: true, user: "U0ADA", created: 1690000200 },
  ],
  response_metadata: { next_cursor: "" },
};

export const usersList = {
  ok: true,
  members: [
    {
      id: "U0ADA",
      team_id: "T0TEAM",
      name: "ada",
      real_name: "Ada Lovelace",
      tz: "Europe/London",
      tz_offset: 0,
      is_admin: true,
      profile: {
        display_name: "ada.l",
        real_name: "Ada Lovelace",
        email: "ada@example.com",
        title: "Engine",
        image_192: "https://avatars.example/ada.png",
      },
    },
    {
      id: "U0ALAN",
      team_id: "T0TEAM",
      name: "alan",
      real_name: "Alan Turing",
      tz: "Europe/London",
      tz_offset: 0,
      profile: { display_name: "", real_name: "Alan Turing" },
    },
    { id: "U0BOT", team_id: "T0TEAM", name: "deploybot", is_bot: true, profile: { display_name: "Deploy Bot" } },
  ],
};

export const history = {
  ok: true,
  messages: [
    {
      type: "message",
      user: "U0ADA",
      ts: "1700000000.000100",
      client_msg_id: "m-1",
      text: "Hi <@U0ALAN>, see <#C0GENERAL|general> and <https://example.com/doc|the doc> <!here>",
      thread_ts: "1700000000.000100",
      reply_count: 2,
      reply_users_count: 1,
      reactions: [
        { name: "thumbsup", users: ["U0ALAN", "U0BOT"], count: 2 },
        { name: "eyes", users: ["U0ALAN"], count: 1 },
      ],
    },
    {
      type: "message",
      subtype: "bot_message",
      bot_id: "B0DEPLOY",
      username: "deploybot",
      ts: "1700000100.000200",
      text: "Deployed v1.2",
      attachments: [{ fallback: "build ok", color: "good" }],
    },
    {
      type: "message",
      user: "U0ALAN",
      ts: "1700000200.000300",
      text: "typo fixed",
      edited: { user: "U0ALAN", ts: "1700000250.000000" },
      files: [{ id: "F1", name: "notes.txt" }],
    },
  ],
  has_more: false,
};

export const replies = {
  ok: true,
  messages: [
    {
      type: "message",
      user: "U0ADA",
      ts: "1700000000.000100",
      text: "Hi <@U0ALAN>, see <#C0GENERAL|general> and <https://example.com/doc|the doc> <!here>",
      thread_ts: "1700000000.000100",
      reply_count: 2,
      reply_users_count: 1,
      reactions: [
        { name: "thumbsup", users: ["U0ALAN", "U0BOT"], count: 2 },
        { name: "eyes", users: ["U0ALAN"], count: 1 },
      ],
    },
    { type: "message", user: "U0ALAN", ts: "1700000010.000100", text: "On it", thread_ts: "1700000000.000100", parent_user_id: "U0ADA" },
    { type: "message", user: "U0ALAN", ts: "1700000020.000100", text: "Done", thread_ts: "1700000000.000100", parent_user_id: "U0ADA" },
  ],
};
