// Signing in: an admin account's email and password (`POST /auth/login`).
import { call, capsule, session } from "../api.js";
import { field, form, goSaying, input, show } from "../ui.js";

export function viewSignIn(): void {
  const email = input("signin-email", { type: "email", autocomplete: "username", required: true });
  const password = input("signin-password", { type: "password", autocomplete: "current-password", required: true });
  const signIn = form({ id: "signin", class: "card narrow" }, "Sign in", async () => {
    const answer = await call(capsule.POST("/auth/login", { body: { email: email.value.trim(), password: password.value } }));
    if (answer.user.role !== "admin") {
      goSaying("#/signin", "This account is not an operator's: sign in with an admin account.", true);
      return;
    }
    session.save(answer.token, answer.user);
    goSaying("#/", `Signed in as ${answer.user.email}.`);
  },
    field("Email", email, "/email"),
    field("Password", password, "/password"),
  );
  show("Sign in", signIn);
}
