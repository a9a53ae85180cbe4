import { Collapse, createTheme } from "@mantine/core";

export const theme = createTheme({
  primaryColor: "indigo",
  fontFamily: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
  defaultRadius: "md",
  components: {
    // The navigation's Settings group opens at once. Its 200 ms height animation (overflow hidden) let a
    // click that came during the opening press on one item and release on the one above: the group's box
    // was scrolled to show the item while small, and its scroll fell back as it grew, moving the items
    // under the pointer, so the click was lost. Closed content stays rendered (display: none) rather than
    // in a hidden React <Activity>, whose deferred render showed the list a moment late.
    Collapse: Collapse.extend({ defaultProps: { transitionDuration: 0, keepMountedMode: "display-none" } }),
  },
});
