"""Who is acting and what they may do: the policy layer every service uses, and RLS context."""
