// The built-in OAuth 2.0 providers, one file each (see auth/oauth_profile.hpp).
#pragma once
#include "auth/oauth_profile.hpp"

namespace basalt::auth {

const OAuthProfile& bitbucket_profile();
const OAuthProfile& discord_profile();
const OAuthProfile& facebook_profile();
const OAuthProfile& figma_profile();
const OAuthProfile& fly_profile();
const OAuthProfile& github_profile();
const OAuthProfile& gitlab_profile();
const OAuthProfile& kakao_profile();
const OAuthProfile& notion_profile();
const OAuthProfile& snapchat_profile();
const OAuthProfile& spotify_profile();
const OAuthProfile& twitch_profile();
const OAuthProfile& workos_profile();
const OAuthProfile& x_profile();
const OAuthProfile& zoom_profile();

}  // namespace basalt::auth
