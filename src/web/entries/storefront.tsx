import { render } from "preact";
import { Storefront } from "../storefront/App.tsx";
import "../storefront/storefront.css";

render(<Storefront />, document.getElementById("app") as HTMLElement);
