import { render } from "preact";
import { Storefront } from "../storefront/App.tsx";

render(<Storefront />, document.getElementById("app") as HTMLElement);
