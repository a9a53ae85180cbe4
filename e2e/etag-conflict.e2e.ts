import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { onboardEnterprise, onboardPartner, setUpOperator } from "./support/guide-steps.js";
import { usePortalAndBrowser } from "./support/suite.js";

/**
 * Issue 15, ETag/If-Match: two tabs edit the same trunk profile; the second save does not overwrite the first
 * one's change but says it was changed by someone else, and Reload shows that change. The same then for the
 * enterprise's Edit and a user's Edit.
 */
describe("two tabs edit the same trunk profile", () => {
  const running = usePortalAndBrowser();

  const saveTrunkProfile = async (page: Page) => {
    const answer = page.waitForResponse(
      (response) => response.request().method() === "PUT" && response.url().endsWith("/trunk-profile"),
    );
    await page.getByRole("button", { name: "Save trunk profile" }).click();
    return answer;
  };

  it("the second save shows the conflict and the first save's data survives", async () => {
    const { portal, browser } = running;
    const operator = await setUpOperator(browser, portal);
    const first = await onboardPartner(browser, portal, operator);
    const enterpriseUrl = await onboardEnterprise(first);

    // A second tab of the same partner opens the same enterprise: both show the same version.
    const second = await first.context().newPage();
    await second.goto(enterpriseUrl);
    await first.goto(enterpriseUrl);
    for (const page of [first, second]) await page.getByLabel("Maximum concurrent calls").waitFor();

    await first.getByLabel("Maximum concurrent calls").fill("30");
    expect((await saveTrunkProfile(first)).status()).toBe(200);

    await second.getByLabel("Maximum concurrent calls").fill("40");
    const refused = await saveTrunkProfile(second);
    expect(refused.status()).toBe(412);
    const conflict = second.getByTestId("edit-conflict");
    await conflict
      .getByText("This trunk profile was changed by someone else since you loaded it. Reload and try again.")
      .waitFor();

    // The first tab's change survived; Reload shows it in the second tab, which can then edit on top of it.
    const accountId = /\/a\/([0-9a-f-]{36})\//.exec(enterpriseUrl)![1];
    const stored = await second.request.get(`/api/accounts/${accountId}/trunk-profile`);
    expect((await stored.json()).profile.maxConcurrentCalls).toBe(30);
    await conflict.getByRole("button", { name: "Reload" }).click();
    await conflict.waitFor({ state: "detached" });
    expect(await second.getByLabel("Maximum concurrent calls").inputValue()).toBe("30");
    await second.getByLabel("Maximum concurrent calls").fill("40");
    expect((await saveTrunkProfile(second)).status()).toBe(200);

    // The same for the customer's details: both tabs open Edit, the first saves, the second is told.
    for (const page of [first, second]) await page.getByRole("button", { name: "Edit", exact: true }).click();
    await first.getByRole("dialog").getByLabel("User limit").fill("30");
    await first.getByRole("dialog").getByRole("button", { name: "Save" }).click();
    await first.getByRole("dialog").waitFor({ state: "detached" });
    const dialog = second.getByRole("dialog");
    await dialog.getByLabel("User limit").fill("40");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog
      .getByTestId("edit-conflict")
      .getByText("This enterprise was changed by someone else since you loaded it. Reload and try again.")
      .waitFor();
    await dialog.getByRole("button", { name: "Reload" }).click();
    await dialog.getByTestId("edit-conflict").waitFor({ state: "detached" });
    expect(await dialog.getByLabel("User limit").inputValue()).toBe("30");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });

    // And for a user's Edit: a user added (before consent, by sign-in address) through the API.
    const session = await (await first.request.get("/api/session")).json();
    const options = await (
      await first.request.get(`/api/accounts/${accountId}/teams-users/form-options`)
    ).json();
    const added = await first.request.post(`/api/accounts/${accountId}/teams-users`, {
      headers: { "x-csrf-token": session.csrfToken },
      data: {
        teamsUserPrincipalName: "ada@contoso.example",
        pbxLocation: options.pbxLocations[0],
        regionId: options.voiceRoutes[0].id,
        sipUser: "201",
        phoneNumber: "+14255550101",
        devices: [],
      },
    });
    expect(added.status()).toBe(201);
    const userUrl = `/a/${accountId}/users/${(await added.json()).id}`;
    for (const page of [first, second]) {
      await page.goto(userUrl);
      await page.getByLabel("SIP User").waitFor();
    }
    await first.getByLabel("SIP User").fill("202");
    await first.getByRole("button", { name: "Save" }).click();
    await first.getByText("Saved.").waitFor();
    await second.getByLabel("SIP User").fill("203");
    await second.getByRole("button", { name: "Save" }).click();
    const userConflict = second.getByTestId("edit-conflict");
    await userConflict
      .getByText("This user was changed by someone else since you loaded it. Reload and try again.")
      .waitFor();
    await userConflict.getByRole("button", { name: "Reload" }).click();
    await userConflict.waitFor({ state: "detached" });
    expect(await second.getByLabel("SIP User").inputValue()).toBe("202");
  });
});
