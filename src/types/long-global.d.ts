type Long = import("long").default;
