import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  completeActivation,
  createOperatorWithCli,
  freshPage,
  signInUsernameFirst,
} from "./support/identity.js";
import { usePortalAndBrowser } from "./support/suite.js";

const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

describe("the Sessions list on the Security page", () => {
  const suite = usePortalAndBrowser();

  /** A second computer: its own cookies and a different browser. */
  const otherComputer = async (): Promise<Page> => {
    const context = await suite.browser.newContext({ baseURL: suite.portal.url, userAgent: FIREFOX_WINDOWS });
    context.setDefaultTimeout(15_000);
    return context.newPage();
  };

  it("one browser ends the other's session; the other is signed out on its next navigation; an Admin ends all", async () => {
    const email = "sessions@operator.example";
    const password = "violet tractor harbour nine";
    const cli = await createOperatorWithCli(suite.portal, { email, name: "Session Telecom" });
    const laptop = await freshPage(suite.browser, suite.portal);
    await laptop.goto(cli.activationUrl);
    await completeActivation(laptop, cli.temporaryPassword, password);

    const desktop = await otherComputer();
    await signInUsernameFirst(desktop, email, password);
    const desktopDashboard = desktop.url();

    await laptop.getByRole("navigation").getByText("Settings", { exact: true }).click();
    await laptop.getByRole("link", { name: "Security" }).click();
    const sessions = laptop.getByRole("table", { name: "Sessions" });
    const desktopRow = sessions.getByRole("row").filter({ hasText: "Firefox on Windows" });
    await desktopRow.waitFor();
    const laptopRow = sessions.getByRole("row").filter({ hasText: "This device" });
    await expect.poll(() => laptopRow.textContent()).toContain("Chrome on Linux");
    expect(await desktopRow.textContent()).not.toContain("This device");

    await desktopRow.getByRole("button", { name: /^End session/ }).click();
    await desktopRow.waitFor({ state: "detached" });

    await desktop.goto(desktopDashboard);
    await desktop.waitForURL(/\/sign-in/);
    await desktop.getByRole("button", { name: "Continue with username" }).waitFor();

    // The laptop is still signed in.
    await laptop.reload();
    await laptopRow.waitFor();

    // Signed in again on the desktop, it is ended with "End all other sessions"; this device stays.
    await signInUsernameFirst(desktop, email, password);
    await laptop.reload();
    await desktopRow.waitFor();
    await laptop.getByRole("button", { name: "End all other sessions" }).click();
    await desktopRow.waitFor({ state: "detached" });
    await desktop.goto(desktop.url());
    await desktop.waitForURL(/\/sign-in/);
    await laptop.reload();
    await laptopRow.waitFor();
    expect(await sessions.getByRole("row").count()).toBe(2); // the header and this device

    await signInUsernameFirst(desktop, email, password);
    await laptop.reload();
    await desktopRow.waitFor();

    // An Admin's "End all sessions" in User Management (confirmed) signs the user out everywhere.
    await laptop.getByRole("link", { name: "User Management" }).click();
    laptop.once("dialog", (dialog) => void dialog.accept());
    await laptop.getByRole("button", { name: `Actions for ${email}` }).click();
    await laptop.getByRole("menuitem", { name: "End all sessions" }).click();
    // The sessions are ended once the portal says so, not when the menu closes.
    await laptop.getByText(/was signed out everywhere/).waitFor();
    await desktop.goto(desktop.url());
    await desktop.waitForURL(/\/sign-in/);
    await laptop.reload();
    await laptop.waitForURL(/\/sign-in/);
  });
});
