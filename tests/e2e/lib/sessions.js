// A migration for tests of secure_password_change: public.age_my_sessions() lets a signed-in
// user make their own sessions two days old, so that a password change needs the
// reauthentication nonce.
export const AGE_SESSIONS_SQL = `
create function public.age_my_sessions() returns void
language sql security definer set search_path = '' as $$
  update auth.sessions set created_at = now() - interval '2 days' where user_id = auth.uid()
$$;
revoke execute on function public.age_my_sessions() from public, anon;
grant execute on function public.age_my_sessions() to authenticated;
`;
